import Foundation
import SwiftProtobuf

/// One field value read out of a generated message by ``ProtobufFieldCollector``.
enum CollectedField {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case bytes(Data)
    case message(any SwiftProtobuf.Message)
    case strings([String])
    case ints([Int64])
    case bools([Bool])
    case bytesList([Data])
    case messages([any SwiftProtobuf.Message])
    case stringMap([String: String])
    case bytesMap([String: Data])
    case messageMap([String: any SwiftProtobuf.Message])
}

/// A SwiftProtobuf `Visitor` that records the fields a message has set, by field number.
///
/// Proto2 presence is what the generated `traverse` reports: a singular field is visited only
/// when it was on the wire, which for Go-written bodies means "non-nil pointer" or "any
/// non-pointer field" (gogo-protobuf always writes those).
struct ProtobufFieldCollector: SwiftProtobuf.Visitor {
    private(set) var fields: [Int: CollectedField] = [:]

    static func collect(_ message: any SwiftProtobuf.Message) throws -> [Int: CollectedField] {
        var collector = ProtobufFieldCollector()
        try message.traverse(visitor: &collector)
        return collector.fields
    }

    private struct UnsupportedFieldType: Error {}

    mutating func visitSingularDoubleField(value: Double, fieldNumber: Int) throws { throw UnsupportedFieldType() }
    mutating func visitSingularInt64Field(value: Int64, fieldNumber: Int) throws { fields[fieldNumber] = .int(value) }
    mutating func visitSingularUInt64Field(value: UInt64, fieldNumber: Int) throws { throw UnsupportedFieldType() }
    mutating func visitSingularBoolField(value: Bool, fieldNumber: Int) throws { fields[fieldNumber] = .bool(value) }
    mutating func visitSingularStringField(value: String, fieldNumber: Int) throws {
        fields[fieldNumber] = .string(value)
    }
    mutating func visitSingularBytesField(value: Data, fieldNumber: Int) throws { fields[fieldNumber] = .bytes(value) }
    mutating func visitSingularEnumField<E: SwiftProtobuf.Enum>(value: E, fieldNumber: Int) throws {
        throw UnsupportedFieldType()
    }
    mutating func visitSingularMessageField<M: SwiftProtobuf.Message>(value: M, fieldNumber: Int) throws {
        fields[fieldNumber] = .message(value)
    }

    mutating func visitRepeatedInt32Field(value: [Int32], fieldNumber: Int) throws {
        fields[fieldNumber] = .ints(value.map(Int64.init))
    }
    mutating func visitRepeatedInt64Field(value: [Int64], fieldNumber: Int) throws { fields[fieldNumber] = .ints(value) }
    mutating func visitRepeatedBoolField(value: [Bool], fieldNumber: Int) throws { fields[fieldNumber] = .bools(value) }
    mutating func visitRepeatedStringField(value: [String], fieldNumber: Int) throws {
        fields[fieldNumber] = .strings(value)
    }
    mutating func visitRepeatedBytesField(value: [Data], fieldNumber: Int) throws {
        fields[fieldNumber] = .bytesList(value)
    }
    mutating func visitRepeatedMessageField<M: SwiftProtobuf.Message>(value: [M], fieldNumber: Int) throws {
        fields[fieldNumber] = .messages(value)
    }
    mutating func visitPackedInt32Field(value: [Int32], fieldNumber: Int) throws {
        fields[fieldNumber] = .ints(value.map(Int64.init))
    }
    mutating func visitPackedInt64Field(value: [Int64], fieldNumber: Int) throws { fields[fieldNumber] = .ints(value) }
    mutating func visitPackedBoolField(value: [Bool], fieldNumber: Int) throws { fields[fieldNumber] = .bools(value) }

    mutating func visitMapField<KeyType, ValueType: MapValueType>(
        fieldType: _ProtobufMap<KeyType, ValueType>.Type,
        value: _ProtobufMap<KeyType, ValueType>.BaseType,
        fieldNumber: Int
    ) throws {
        if let strings = value as? [String: String] {
            fields[fieldNumber] = .stringMap(strings)
        } else if let bytes = value as? [String: Data] {
            fields[fieldNumber] = .bytesMap(bytes)
        } else {
            throw UnsupportedFieldType()
        }
    }

    mutating func visitMapField<KeyType, ValueType>(
        fieldType: _ProtobufEnumMap<KeyType, ValueType>.Type,
        value: _ProtobufEnumMap<KeyType, ValueType>.BaseType,
        fieldNumber: Int
    ) throws where ValueType.RawValue == Int {
        throw UnsupportedFieldType()
    }

    mutating func visitMapField<KeyType, ValueType>(
        fieldType: _ProtobufMessageMap<KeyType, ValueType>.Type,
        value: _ProtobufMessageMap<KeyType, ValueType>.BaseType,
        fieldNumber: Int
    ) throws {
        var messages: [String: any SwiftProtobuf.Message] = [:]
        for (key, element) in value {
            guard let key = key as? String else { throw UnsupportedFieldType() }
            messages[key] = element
        }
        fields[fieldNumber] = .messageMap(messages)
    }

    mutating func visitExtensionFields(fields: ExtensionFieldValueSet, start: Int, end: Int) throws {}
    mutating func visitExtensionFieldsAsMessageSet(fields: ExtensionFieldValueSet, start: Int, end: Int) throws {}

    /// Fields this schema does not know are ignored, as Go's protobuf decoding does.
    mutating func visitUnknown(bytes: Data) throws {}
}
