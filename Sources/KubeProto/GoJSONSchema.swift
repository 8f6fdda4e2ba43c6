/// How Go's encoding/json sees one protobuf field: the facts from its Go struct field's tags.
struct GoJSONField: Sendable {
    /// The protobuf type of a single value (of the field, of each element, or of each map value).
    enum ValueType: Sendable, Equatable {
        case string, int32, int64, bool, bytes
        /// A message, by protobuf full name.
        case message(String)
    }

    /// Singular, repeated (a Go slice), or a map with string keys (a Go map).
    enum Shape: Sendable, Equatable {
        case single, repeated, map
    }

    let number: Int
    /// The Go JSON name; empty for inline fields.
    let jsonName: String
    /// `json:",omitempty"`.
    let omitEmpty: Bool
    /// The Go field is a pointer, so "absent" and "zero" differ.
    let isPointer: Bool
    /// `json:",inline"`: an embedded struct whose fields appear in the parent object.
    let isInline: Bool
    let shape: Shape
    /// For maps, the value type.
    let valueType: ValueType
}

/// The Go JSON layout of one protobuf message.
struct GoJSONMessage: Sendable {
    let protoName: String
    /// Embeds `metav1.TypeMeta`, so `kind` and `apiVersion` are accepted (and written at the top level).
    let inlinesTypeMeta: Bool
    /// Has a hand-written JSON form (see ``KubeSpecialType``) instead of `fields`.
    let hasCustomJSON: Bool
    /// In Go declaration order, which is the order encoding/json writes them.
    let fields: [GoJSONField]
    /// Every JSON member name this message accepts, inline structs' names included
    /// (and `kind`/`apiVersion` when it inlines TypeMeta).
    var jsonKeys: Set<String> = []
}

/// The Go JSON layout of every generated message, parsed once from the generated table.
enum GoJSONSchema {
    static let messages: [String: GoJSONMessage] = parse(goJSONFieldTableSource)

    static func message(_ protoName: String) -> GoJSONMessage? {
        messages[protoName]
    }

    /// Parses the generator's table; the table is generated, so a malformed line is a bug.
    static func parse(_ source: String) -> [String: GoJSONMessage] {
        var result: [String: GoJSONMessage] = [:]
        for line in source.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            precondition(words.count >= 2, "GoJSONFieldTable: bad line \(line)")
            let name = words[0]
            if words[1] == "!" {
                result[name] = GoJSONMessage(protoName: name, inlinesTypeMeta: false, hasCustomJSON: true, fields: [])
                continue
            }
            let fields = words.dropFirst(2).map { parseField($0, in: name) }
            result[name] = GoJSONMessage(
                protoName: name,
                inlinesTypeMeta: words[1] == "T",
                hasCustomJSON: false,
                fields: fields
            )
        }
        let withoutKeys = result
        for name in withoutKeys.keys {
            result[name]?.jsonKeys = jsonKeys(of: name, in: withoutKeys)
        }
        return result
    }

    private static func jsonKeys(of name: String, in messages: [String: GoJSONMessage]) -> Set<String> {
        guard let message = messages[name] else { preconditionFailure("GoJSONFieldTable: no message \(name)") }
        var keys: Set<String> = message.inlinesTypeMeta ? ["kind", "apiVersion"] : []
        for field in message.fields {
            if field.isInline, case .message(let inner) = field.valueType {
                keys.formUnion(jsonKeys(of: inner, in: messages))
            } else {
                keys.insert(field.jsonName)
            }
        }
        return keys
    }

    private static func parseField(_ cell: String, in message: String) -> GoJSONField {
        let parts = cell.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, let number = Int(parts[0]) else {
            preconditionFailure("GoJSONFieldTable: bad field \(cell) in \(message)")
        }
        let flags = parts[2]
        var shape: GoJSONField.Shape = flags.contains("r") ? .repeated : .single
        var typeName = parts[3]
        if typeName.hasPrefix("map:") {
            let mapParts = typeName.split(separator: ":").map(String.init)
            precondition(mapParts.count == 3 && mapParts[1] == "string", "GoJSONFieldTable: bad map \(cell)")
            shape = .map
            typeName = mapParts[2]
        }
        let valueType: GoJSONField.ValueType =
            switch typeName {
            case "string": .string
            case "int32": .int32
            case "int64": .int64
            case "bool": .bool
            case "bytes": .bytes
            default: .message(typeName)
            }
        return GoJSONField(
            number: number,
            jsonName: parts[1],
            omitEmpty: flags.contains("o"),
            isPointer: flags.contains("p"),
            isInline: flags.contains("i"),
            shape: shape,
            valueType: valueType
        )
    }
}
