import KubeAPI

/// What of a body may be stored in the trail: never a Secret's values, never a
/// `last-applied-configuration` annotation (it repeats whole objects, Secrets included).
enum AuditRedaction {
    static let lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

    /// The request body as stored: empty for Secrets (only their metadata is kept, in the event's columns).
    static func request(_ body: [UInt8], info: RequestInfo) -> [UInt8] {
        redact(body, info: info)
    }

    /// The response body as stored, under the same rules.
    static func response(_ body: [UInt8], info: RequestInfo) -> [UInt8] {
        redact(body, info: info)
    }

    static func redact(_ body: [UInt8], info: RequestInfo) -> [UInt8] {
        if info.resource == "secrets" { return [] }
        // One JSON document, or a watch stream of one per line.
        if let value = try? JSONParser.parse(body) {
            return JSONSerializer.bytes(clean(value))
        }
        var output: [UInt8] = []
        for line in body.split(separator: 0x0A, omittingEmptySubsequences: true) {
            guard let value = try? JSONParser.parse(line) else {
                // Not JSON (protobuf, text): keep only when it cannot be a Secret.
                return body.contains(sequence: Array("Secret".utf8)) ? [] : body
            }
            output += JSONSerializer.bytes(clean(value)) + [0x0A]
        }
        return output
    }

    /// Removes secret values and last-applied annotations wherever objects appear (items, watch events).
    static func clean(_ value: JSONValue) -> JSONValue {
        guard case .object(var object) = value else { return value }
        if object["kind"]?.stringValue == "Secret" {
            object["data"] = nil
            object["stringData"] = nil
        }
        if var annotations = object["metadata"]?["annotations"]?.objectValue, annotations[lastApplied] != nil {
            annotations[lastApplied] = nil
            var metadata = object["metadata"]!
            metadata["annotations"] = .object(annotations)
            object["metadata"] = metadata
        }
        if case .array(let items) = object["items"] { object["items"] = .array(items.map(clean)) }
        if let inner = object["object"] { object["object"] = clean(inner) }
        return .object(object)
    }
}

extension Array where Element == UInt8 {
    func contains(sequence: [UInt8]) -> Bool {
        guard !sequence.isEmpty, count >= sequence.count else { return false }
        for start in 0...(count - sequence.count) where self[start] == sequence[0] {
            if Array(self[start..<start + sequence.count]) == sequence { return true }
        }
        return false
    }
}
