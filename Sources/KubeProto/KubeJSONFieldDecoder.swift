import Foundation
import SwiftProtobuf

/// What one protobuf field is decoded from.
enum KubeJSONFieldInput {
    /// A JSON value (never `null`: null means "absent" in Kubernetes JSON).
    case json(GoJSONValue)
    /// Go's zero value: the field is a non-pointer that the JSON lacked (or gave as null),
    /// which Go's protobuf marshaller writes anyway.
    case zero
    /// An inline (embedded) struct: it reads its fields from the parent object's members.
    case inline([GoJSONMember])
}

/// One field of a message being decoded, with the JSON it comes from.
struct KubeJSONFieldEntry {
    let field: GoJSONField
    let input: KubeJSONFieldInput
    let path: String
}

/// A `SwiftProtobuf.Decoder` that feeds a generated message's `decodeMessage` from JSON
/// values prepared by ``KubeJSONMessageReader``; the generated code picks the typed
/// `decode…Field` call for each field number, and this converts the JSON value to that type.
struct KubeJSONFieldDecoder: SwiftProtobuf.Decoder {
    let reader: KubeJSONMessageReader
    let entries: [KubeJSONFieldEntry]
    private var position = -1

    init(reader: KubeJSONMessageReader, entries: [KubeJSONFieldEntry]) {
        self.reader = reader
        self.entries = entries
    }

    private var entry: KubeJSONFieldEntry { entries[position] }

    /// The JSON value, or nil for a zero/inline input.
    private var json: GoJSONValue? {
        if case .json(let value) = entry.input { return value }
        return nil
    }

    mutating func nextFieldNumber() throws -> Int? {
        position += 1
        return position < entries.count ? entries[position].field.number : nil
    }

    mutating func handleConflictingOneOf() throws {
        throw KubernetesProtobufError(.invalidValue, path: entry.path, "conflicting oneof members")
    }

    private func unsupported() -> KubernetesProtobufError {
        KubernetesProtobufError(.unsupportedKind, path: entry.path, "unsupported protobuf field type")
    }

    private func wrongType(_ expected: String, _ value: GoJSONValue, path: String? = nil) -> KubernetesProtobufError {
        KubernetesProtobufError(
            .wrongType,
            path: path ?? entry.path,
            "expected \(expected), got JSON \(value.typeDescription)"
        )
    }

    // MARK: scalars

    private func string(_ value: GoJSONValue?, path: String) throws -> String {
        switch value {
        case nil, .null?: return ""
        case .string(let text)?: return text
        case let other?: throw wrongType("string", other, path: path)
        }
    }

    private func integer<I: FixedWidthInteger>(_ value: GoJSONValue?, as: I.Type, path: String) throws -> I {
        switch value {
        case nil, .null?: return 0
        case .number(let text)?:
            guard let number = I(text) else {
                throw KubernetesProtobufError(.wrongType, path: path, "expected \(I.self), got number \(text)")
            }
            return number
        case let other?: throw wrongType("\(I.self) number", other, path: path)
        }
    }

    private func bool(_ value: GoJSONValue?, path: String) throws -> Bool {
        switch value {
        case nil, .null?: return false
        case .bool(let flag)?: return flag
        case let other?: throw wrongType("boolean", other, path: path)
        }
    }

    private func bytes(_ value: GoJSONValue?, path: String) throws -> Data {
        switch value {
        case nil, .null?: return Data()
        case .string(let text)?:
            // Go's base64.StdEncoding (padded) skips \r and \n.
            guard let data = Data(base64Encoded: text.filter { $0 != "\r" && $0 != "\n" && $0 != "\r\n" }) else {
                throw KubernetesProtobufError(.invalidValue, path: path, "invalid base64 data")
            }
            return data
        case let other?: throw wrongType("base64 string", other, path: path)
        }
    }

    private func elements() throws -> [GoJSONValue] {
        switch json {
        case nil: return []
        case .array(let values)?: return values
        case let other?: throw wrongType("array", other)
        }
    }

    mutating func decodeSingularStringField(value: inout String) throws { value = try string(json, path: entry.path) }
    mutating func decodeSingularStringField(value: inout String?) throws { value = try string(json, path: entry.path) }
    mutating func decodeRepeatedStringField(value: inout [String]) throws {
        value = try elements().enumerated().map { try string($1, path: "\(entry.path)[\($0)]") }
    }
    mutating func decodeSingularInt32Field(value: inout Int32) throws {
        value = try integer(json, as: Int32.self, path: entry.path)
    }
    mutating func decodeSingularInt32Field(value: inout Int32?) throws {
        value = try integer(json, as: Int32.self, path: entry.path)
    }
    mutating func decodeRepeatedInt32Field(value: inout [Int32]) throws {
        value = try elements().enumerated().map {
            try integer($1, as: Int32.self, path: "\(entry.path)[\($0)]")
        }
    }
    mutating func decodeSingularInt64Field(value: inout Int64) throws {
        value = try integer(json, as: Int64.self, path: entry.path)
    }
    mutating func decodeSingularInt64Field(value: inout Int64?) throws {
        value = try integer(json, as: Int64.self, path: entry.path)
    }
    mutating func decodeRepeatedInt64Field(value: inout [Int64]) throws {
        value = try elements().enumerated().map {
            try integer($1, as: Int64.self, path: "\(entry.path)[\($0)]")
        }
    }
    mutating func decodeSingularBoolField(value: inout Bool) throws { value = try bool(json, path: entry.path) }
    mutating func decodeSingularBoolField(value: inout Bool?) throws { value = try bool(json, path: entry.path) }
    mutating func decodeRepeatedBoolField(value: inout [Bool]) throws {
        value = try elements().enumerated().map { try bool($1, path: "\(entry.path)[\($0)]") }
    }
    mutating func decodeSingularBytesField(value: inout Data) throws { value = try bytes(json, path: entry.path) }
    mutating func decodeSingularBytesField(value: inout Data?) throws { value = try bytes(json, path: entry.path) }
    mutating func decodeRepeatedBytesField(value: inout [Data]) throws {
        value = try elements().enumerated().map { try bytes($1, path: "\(entry.path)[\($0)]") }
    }

    // MARK: messages and maps

    mutating func decodeSingularMessageField<M: SwiftProtobuf.Message>(value: inout M?) throws {
        switch entry.input {
        case .json(let json): value = try reader.read(M.self, from: json, path: entry.path)
        case .zero: value = try reader.read(M.self, from: nil, path: entry.path)
        case .inline(let members): value = try reader.read(M.self, inlineMembers: members, path: entry.path)
        }
    }

    mutating func decodeRepeatedMessageField<M: SwiftProtobuf.Message>(value: inout [M]) throws {
        var result: [M] = []
        for (index, element) in try elements().enumerated() {
            let elementPath = "\(entry.path)[\(index)]"
            result.append(try reader.read(M.self, from: element == .null ? nil : element, path: elementPath))
        }
        value = result
    }

    private func members() throws -> [GoJSONMember] {
        switch json {
        case nil: return []
        case .object(let members)?: return members
        case let other?: throw wrongType("object", other)
        }
    }

    mutating func decodeMapField<KeyType, ValueType: MapValueType>(
        fieldType: _ProtobufMap<KeyType, ValueType>.Type,
        value: inout _ProtobufMap<KeyType, ValueType>.BaseType
    ) throws {
        var result: _ProtobufMap<KeyType, ValueType>.BaseType = [:]
        for member in try members() {
            let memberPath = "\(entry.path)[\(member.key)]"
            guard let key = member.key as? KeyType.BaseType else { throw unsupported() }
            let element: Any =
                switch entry.field.valueType {
                case .string: try string(member.value, path: memberPath)
                case .bytes: try bytes(member.value, path: memberPath)
                default: throw unsupported()
                }
            guard let typed = element as? ValueType.BaseType else { throw unsupported() }
            result[key] = typed
        }
        value = result
    }

    mutating func decodeMapField<KeyType, ValueType>(
        fieldType: _ProtobufEnumMap<KeyType, ValueType>.Type,
        value: inout _ProtobufEnumMap<KeyType, ValueType>.BaseType
    ) throws where ValueType.RawValue == Int {
        throw unsupported()
    }

    mutating func decodeMapField<KeyType, ValueType>(
        fieldType: _ProtobufMessageMap<KeyType, ValueType>.Type,
        value: inout _ProtobufMessageMap<KeyType, ValueType>.BaseType
    ) throws {
        var result: _ProtobufMessageMap<KeyType, ValueType>.BaseType = [:]
        for member in try members() {
            guard let key = member.key as? KeyType.BaseType else { throw unsupported() }
            let memberValue = member.value == .null ? nil : member.value
            result[key] = try reader.read(ValueType.self, from: memberValue, path: "\(entry.path)[\(member.key)]")
        }
        value = result
    }

    // MARK: field types that Kubernetes protos do not use

    mutating func decodeSingularFloatField(value: inout Float) throws { throw unsupported() }
    mutating func decodeSingularFloatField(value: inout Float?) throws { throw unsupported() }
    mutating func decodeRepeatedFloatField(value: inout [Float]) throws { throw unsupported() }
    mutating func decodeSingularDoubleField(value: inout Double) throws { throw unsupported() }
    mutating func decodeSingularDoubleField(value: inout Double?) throws { throw unsupported() }
    mutating func decodeRepeatedDoubleField(value: inout [Double]) throws { throw unsupported() }
    mutating func decodeSingularUInt32Field(value: inout UInt32) throws { throw unsupported() }
    mutating func decodeSingularUInt32Field(value: inout UInt32?) throws { throw unsupported() }
    mutating func decodeRepeatedUInt32Field(value: inout [UInt32]) throws { throw unsupported() }
    mutating func decodeSingularUInt64Field(value: inout UInt64) throws { throw unsupported() }
    mutating func decodeSingularUInt64Field(value: inout UInt64?) throws { throw unsupported() }
    mutating func decodeRepeatedUInt64Field(value: inout [UInt64]) throws { throw unsupported() }
    mutating func decodeSingularSInt32Field(value: inout Int32) throws { throw unsupported() }
    mutating func decodeSingularSInt32Field(value: inout Int32?) throws { throw unsupported() }
    mutating func decodeRepeatedSInt32Field(value: inout [Int32]) throws { throw unsupported() }
    mutating func decodeSingularSInt64Field(value: inout Int64) throws { throw unsupported() }
    mutating func decodeSingularSInt64Field(value: inout Int64?) throws { throw unsupported() }
    mutating func decodeRepeatedSInt64Field(value: inout [Int64]) throws { throw unsupported() }
    mutating func decodeSingularFixed32Field(value: inout UInt32) throws { throw unsupported() }
    mutating func decodeSingularFixed32Field(value: inout UInt32?) throws { throw unsupported() }
    mutating func decodeRepeatedFixed32Field(value: inout [UInt32]) throws { throw unsupported() }
    mutating func decodeSingularFixed64Field(value: inout UInt64) throws { throw unsupported() }
    mutating func decodeSingularFixed64Field(value: inout UInt64?) throws { throw unsupported() }
    mutating func decodeRepeatedFixed64Field(value: inout [UInt64]) throws { throw unsupported() }
    mutating func decodeSingularSFixed32Field(value: inout Int32) throws { throw unsupported() }
    mutating func decodeSingularSFixed32Field(value: inout Int32?) throws { throw unsupported() }
    mutating func decodeRepeatedSFixed32Field(value: inout [Int32]) throws { throw unsupported() }
    mutating func decodeSingularSFixed64Field(value: inout Int64) throws { throw unsupported() }
    mutating func decodeSingularSFixed64Field(value: inout Int64?) throws { throw unsupported() }
    mutating func decodeRepeatedSFixed64Field(value: inout [Int64]) throws { throw unsupported() }
    mutating func decodeSingularEnumField<E: SwiftProtobuf.Enum>(value: inout E) throws where E.RawValue == Int {
        throw unsupported()
    }
    mutating func decodeSingularEnumField<E: SwiftProtobuf.Enum>(value: inout E?) throws where E.RawValue == Int {
        throw unsupported()
    }
    mutating func decodeRepeatedEnumField<E: SwiftProtobuf.Enum>(value: inout [E]) throws where E.RawValue == Int {
        throw unsupported()
    }
    mutating func decodeSingularGroupField<G: SwiftProtobuf.Message>(value: inout G?) throws { throw unsupported() }
    mutating func decodeRepeatedGroupField<G: SwiftProtobuf.Message>(value: inout [G]) throws { throw unsupported() }
    mutating func decodeExtensionField(
        values: inout ExtensionFieldValueSet,
        messageType: any SwiftProtobuf.Message.Type,
        fieldNumber: Int
    ) throws {
        throw unsupported()
    }
}
