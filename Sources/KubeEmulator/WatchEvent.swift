import KubeAPI

/// One change to a stored object, as a watch delivers it.
public struct WatchEvent: Sendable {
    public enum EventType: String, Sendable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
        case bookmark = "BOOKMARK"
        case error = "ERROR"
    }

    public var type: EventType
    public var object: JSONValue
    public var resourceVersion: Int64
    /// The object before a modification, so a selector-filtered watch can tell "left the selection".
    public var previous: JSONValue?

    public init(type: EventType, object: JSONValue, resourceVersion: Int64, previous: JSONValue? = nil) {
        self.type = type
        self.object = object
        self.resourceVersion = resourceVersion
        self.previous = previous
    }

    /// The `{"type":…,"object":…}` line a JSON watch stream carries.
    public var json: JSONValue {
        .object(JSONObject(["type": .string(type.rawValue), "object": object]))
    }
}

/// Which objects a list or watch selects: namespace, labels, fields.
public struct ObjectFilter: Sendable {
    public var namespace: String?
    public var labels: LabelSelector?
    public var fields: FieldSelector?

    public init(namespace: String? = nil, labels: LabelSelector? = nil, fields: FieldSelector? = nil) {
        self.namespace = namespace
        self.labels = labels
        self.fields = fields
    }

    /// Whether `object` is selected.
    public func matches(_ object: JSONValue) -> Bool {
        if let namespace, !namespace.isEmpty, object[path: ["metadata", "namespace"]]?.stringValue != namespace {
            return false
        }
        if let labels {
            var map: [String: String] = [:]
            for member in object[path: ["metadata", "labels"]]?.objectValue?.members ?? [] {
                map[member.key] = member.value.stringValue ?? ""
            }
            if !labels.matches(map) { return false }
        }
        if let fields, !fields.matches({ ObjectFilter.field($0, of: object) }) { return false }
        return true
    }

    /// The string value of a dotted field path (`metadata.name`, `status.phase`, `involvedObject.uid`).
    static func field(_ path: String, of object: JSONValue) -> String? {
        let value = object[path: path.split(separator: ".").map(String.init)]
        switch value {
        case .string(let string): return string
        case .int(let integer): return String(integer)
        case .bool(let bool): return String(bool)
        default: return nil
        }
    }
}
