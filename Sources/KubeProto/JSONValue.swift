/// A parsed JSON value that keeps object member order and number spelling.
///
/// Order matters because Go's encoding/json writes struct fields in declaration order, and
/// the literal text of numbers matters because Kubernetes reads some of them as strings
/// (`resource.Quantity` accepts a bare `1.5`) and rejects others (`1.0` is not an int32).
public indirect enum GoJSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number exactly as written (valid JSON number syntax).
    case number(String)
    case string(String)
    case array([GoJSONValue])
    case object([GoJSONMember])

    /// The value of the first member named `key`, if this is an object.
    public subscript(key: String) -> GoJSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first(where: { $0.key == key })?.value
    }

    /// A short name of the JSON type, for error messages.
    var typeDescription: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// One `"key": value` member of a JSON object.
public struct GoJSONMember: Sendable, Equatable {
    public var key: String
    public var value: GoJSONValue

    public init(_ key: String, _ value: GoJSONValue) {
        self.key = key
        self.value = value
    }
}

extension GoJSONValue {
    /// Parses one JSON document (strict RFC 8259).
    public static func parse(_ bytes: [UInt8]) throws(KubernetesProtobufError) -> GoJSONValue {
        try JSONParser.parse(bytes)
    }

    /// The compact JSON text, escaped as Go's encoding/json does.
    public var jsonBytes: [UInt8] {
        JSONWriter.bytes(self)
    }

    /// The value with object members sorted by key and numbers in a canonical spelling, so that
    /// two documents that mean the same thing compare equal.
    public var normalized: GoJSONValue {
        switch self {
        case .null, .bool, .string:
            return self
        case .number(let text):
            if let int = Int64(text) { return .number(String(int)) }
            if let double = Double(text) { return .number(String(double)) }
            return self
        case .array(let values):
            return .array(values.map(\.normalized))
        case .object(let members):
            return .object(
                members.map { GoJSONMember($0.key, $0.value.normalized) }
                    .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            )
        }
    }
}
