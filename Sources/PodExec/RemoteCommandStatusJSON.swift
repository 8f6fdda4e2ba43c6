/// Why bytes from the error channel are not a Status.
public enum RemoteCommandStatusDecodingError: Error, Equatable, CustomStringConvertible {
    /// Not JSON at all (or truncated).
    case notJSON
    /// JSON, but not an object or with a field of the wrong type (`field` names it).
    case wrongShape(field: String)

    public var description: String {
        switch self {
        case .notJSON: return "error channel message is not JSON"
        case .wrongShape(let field): return "error channel Status has an invalid \(field)"
        }
    }
}

extension RemoteCommandStatus {
    /// The Status as JSON, byte for byte what Go's `json.Marshal(metav1.Status)` writes
    /// (field order, omitted empty fields, `"metadata":{}` always present).
    public var jsonString: String {
        var out = "{\"metadata\":{}"
        if !self.status.isEmpty { out += ",\"status\":" + GoJSON.quote(self.status) }
        if let message = self.message, !message.isEmpty { out += ",\"message\":" + GoJSON.quote(message) }
        if let reason = self.reason, !reason.isEmpty { out += ",\"reason\":" + GoJSON.quote(reason) }
        if let causes = self.causes {
            out += ",\"details\":{"
            if !causes.isEmpty {
                out += "\"causes\":["
                out += causes.map { cause in
                    var fields: [String] = []
                    if let reason = cause.reason, !reason.isEmpty { fields.append("\"reason\":" + GoJSON.quote(reason)) }
                    if let message = cause.message, !message.isEmpty {
                        fields.append("\"message\":" + GoJSON.quote(message))
                    }
                    if let field = cause.field, !field.isEmpty { fields.append("\"field\":" + GoJSON.quote(field)) }
                    return "{" + fields.joined(separator: ",") + "}"
                }.joined(separator: ",")
                out += "]"
            }
            out += "}"
        }
        if let code = self.code, code != 0 { out += ",\"code\":\(code)" }
        out += "}"
        return out
    }

    /// The JSON as bytes, ready for the error channel.
    public var jsonBytes: [UInt8] { Array(self.jsonString.utf8) }

    /// What a v1 (`channel.k8s.io`) server writes on the error channel: nothing on success,
    /// the message as plain text otherwise.
    public var plainTextBytes: [UInt8] {
        self.isSuccess ? [] : Array((self.message ?? "").utf8)
    }

    /// Parses a Status from the error channel (the whole message: the channel ends with the
    /// connection). Unknown fields are ignored and keys match case-insensitively, as in Go.
    public init(jsonBytes: [UInt8]) throws {
        let value: JSONValue
        do {
            value = try JSONParser.parseDocument(jsonBytes)
        } catch {
            throw RemoteCommandStatusDecodingError.notJSON
        }
        guard case .object = value else { throw RemoteCommandStatusDecodingError.wrongShape(field: "object") }
        self.init(
            status: try Self.string(value.member("status"), field: "status") ?? "",
            message: try Self.string(value.member("message"), field: "message"),
            reason: try Self.string(value.member("reason"), field: "reason"),
            causes: try Self.causes(value.member("details")),
            code: try Self.integer(value.member("code"), field: "code")
        )
    }

    private static func string(_ value: JSONValue?, field: String) throws -> String? {
        switch value {
        case .none, .null?: return nil
        case .string(let string)?: return string
        default: throw RemoteCommandStatusDecodingError.wrongShape(field: field)
        }
    }

    private static func integer(_ value: JSONValue?, field: String) throws -> Int? {
        switch value {
        case .none, .null?: return nil
        case .number(let text)?:
            guard let number = Int32(text) else { throw RemoteCommandStatusDecodingError.wrongShape(field: field) }
            return Int(number)
        default: throw RemoteCommandStatusDecodingError.wrongShape(field: field)
        }
    }

    private static func causes(_ details: JSONValue?) throws -> [Cause]? {
        switch details {
        case .none, .null?: return nil
        case .object?: break
        default: throw RemoteCommandStatusDecodingError.wrongShape(field: "details")
        }
        switch details?.member("causes") {
        case .none, .null?: return []
        case .array(let entries)?:
            return try entries.map { entry in
                guard case .object = entry else { throw RemoteCommandStatusDecodingError.wrongShape(field: "details.causes") }
                return Cause(
                    reason: try Self.string(entry.member("reason"), field: "details.causes.reason"),
                    message: try Self.string(entry.member("message"), field: "details.causes.message"),
                    field: try Self.string(entry.member("field"), field: "details.causes.field")
                )
            }
        default: throw RemoteCommandStatusDecodingError.wrongShape(field: "details.causes")
        }
    }
}
