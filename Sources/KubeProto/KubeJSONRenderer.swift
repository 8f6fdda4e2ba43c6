import Foundation
import SwiftProtobuf

/// Renders a decoded generated message as the JSON that kube-apiserver's serializer (Go's
/// encoding/json over the same Go struct) would write.
///
/// Rules, from encoding/json and the Go field tags in ``GoJSONSchema``:
/// - fields in Go declaration order; `json:",inline"` structs flattened into their parent;
/// - a nil pointer, slice or map is omitted with `omitempty`, else `null`;
/// - a non-pointer scalar is written unless it is zero and `omitempty`;
/// - a non-pointer struct is always written (`omitempty` never omits structs), as its zero
///   value when the protobuf body lacked it;
/// - Time, MicroTime, IntOrString, Quantity, RawExtension and FieldsV1 use their custom forms.
struct KubeJSONRenderer {
    /// How many envelopes deep this renderer is (a RawExtension may hold a nested envelope).
    let envelopeDepth: Int

    /// Renders the fields of `message`. TypeMeta is added by the caller for top-level objects.
    func render(_ message: any SwiftProtobuf.Message, path: String) throws(KubernetesProtobufError)
        -> GoJSONValue
    {
        let name = type(of: message).protoMessageName
        if let special = KubeSpecialType(protoName: name) {
            return try special.renderJSON(message, path: path, renderer: self)
        }
        guard let schema = GoJSONSchema.message(name) else {
            throw KubernetesProtobufError(.unsupportedKind, path: path, "no JSON layout for \(name)")
        }
        var members: [GoJSONMember] = []
        try appendFields(of: schema, from: try collect(message, path: path), into: &members, path: path)
        return .object(members)
    }

    /// What Go writes for a non-pointer struct field the body did not contain (its zero value).
    func zeroValue(ofMessage name: String, path: String) throws(KubernetesProtobufError) -> GoJSONValue {
        if let special = KubeSpecialType(protoName: name) {
            return special.zeroJSON
        }
        guard let schema = GoJSONSchema.message(name) else {
            throw KubernetesProtobufError(.unsupportedKind, path: path, "no JSON layout for \(name)")
        }
        var members: [GoJSONMember] = []
        try appendFields(of: schema, from: [:], into: &members, path: path)
        return .object(members)
    }

    private func collect(_ message: any SwiftProtobuf.Message, path: String) throws(KubernetesProtobufError)
        -> [Int: CollectedField]
    {
        do {
            return try ProtobufFieldCollector.collect(message)
        } catch {
            throw KubernetesProtobufError(.unsupportedKind, path: path, "unsupported field type in \(type(of: message))")
        }
    }

    private func appendFields(
        of schema: GoJSONMessage,
        from values: [Int: CollectedField],
        into members: inout [GoJSONMember],
        path: String
    ) throws(KubernetesProtobufError) {
        for field in schema.fields {
            let value = values[field.number]
            if field.isInline {
                guard case .message(let inlineName) = field.valueType, let inline = GoJSONSchema.message(inlineName),
                    !inline.hasCustomJSON
                else {
                    throw KubernetesProtobufError(.unsupportedKind, path: path, "bad inline field \(field.number)")
                }
                var inner: [Int: CollectedField] = [:]
                if case .message(let message)? = value {
                    inner = try collect(message, path: path)
                }
                try appendFields(of: inline, from: inner, into: &members, path: path)
                continue
            }
            let fieldPath = path.isEmpty ? field.jsonName : path + "." + field.jsonName
            if let json = try render(field, value, path: fieldPath) {
                members.append(GoJSONMember(field.jsonName, json))
            }
        }
    }

    /// The JSON of one field, or nil when Go would omit it.
    private func render(_ field: GoJSONField, _ value: CollectedField?, path: String)
        throws(KubernetesProtobufError) -> GoJSONValue?
    {
        let absent: GoJSONValue? = field.omitEmpty ? nil : .null
        switch field.shape {
        case .repeated:
            let elements: [GoJSONValue]
            switch value {
            case .strings(let list)?: elements = list.map(GoJSONValue.string)
            case .ints(let list)?: elements = list.map { .number(String($0)) }
            case .bools(let list)?: elements = list.map(GoJSONValue.bool)
            case .bytesList(let list)?: elements = list.map { .string($0.base64EncodedString()) }
            case .messages(let list)?:
                var rendered: [GoJSONValue] = []
                for (index, element) in list.enumerated() {
                    rendered.append(try render(element, path: "\(path)[\(index)]"))
                }
                elements = rendered
            case nil: elements = []
            default: throw mismatch(field, path)
            }
            return elements.isEmpty ? absent : .array(elements)
        case .map:
            let members: [GoJSONMember]
            switch value {
            case .stringMap(let map)?: members = map.map { GoJSONMember($0.key, .string($0.value)) }
            case .bytesMap(let map)?: members = map.map { GoJSONMember($0.key, .string($0.value.base64EncodedString())) }
            case .messageMap(let map)?:
                var rendered: [GoJSONMember] = []
                for (key, element) in map {
                    rendered.append(GoJSONMember(key, try render(element, path: "\(path)[\(key)]")))
                }
                members = rendered
            case nil: members = []
            default: throw mismatch(field, path)
            }
            // Go's encoding/json sorts map keys by their bytes.
            return members.isEmpty
                ? absent : .object(members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) })
        case .single:
            break
        }
        if field.valueType == .bytes {
            // A Go []byte: nil (absent) or empty is omitted with omitempty; otherwise base64.
            switch value {
            case nil: return absent
            case .bytes(let data)?: return data.isEmpty && field.omitEmpty ? nil : .string(data.base64EncodedString())
            default: throw mismatch(field, path)
            }
        }
        if field.isPointer, value == nil {
            return absent
        }
        switch (field.valueType, value) {
        case (.message, .message(let message)?):
            return try render(message, path: path)
        case (.message(let name), nil):
            return try zeroValue(ofMessage: name, path: path)
        case (.string, .string(let text)?):
            return text.isEmpty && field.omitEmpty && !field.isPointer ? nil : .string(text)
        case (.string, nil):
            return field.omitEmpty ? nil : .string("")
        case (.int32, .int(let number)?), (.int64, .int(let number)?):
            return number == 0 && field.omitEmpty && !field.isPointer ? nil : .number(String(number))
        case (.int32, nil), (.int64, nil):
            return field.omitEmpty ? nil : .number("0")
        case (.bool, .bool(let flag)?):
            return !flag && field.omitEmpty && !field.isPointer ? nil : .bool(flag)
        case (.bool, nil):
            return field.omitEmpty ? nil : .bool(false)
        default:
            throw mismatch(field, path)
        }
    }

    private func mismatch(_ field: GoJSONField, _ path: String) -> KubernetesProtobufError {
        KubernetesProtobufError(.malformedProtobuf, path: path, "field \(field.number) has an unexpected type")
    }
}
