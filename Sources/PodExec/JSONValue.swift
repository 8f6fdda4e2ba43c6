/// A parsed JSON value, small enough for the remote command wire objects (Status, TerminalSize).
///
/// Numbers keep their source text so that callers can apply Go's strict rules (an integer field
/// rejects `80.0`). Objects keep their members in order, duplicates included.
enum JSONValue: Equatable, Sendable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.array(let a), .array(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }

    /// The member named `key` as Go's encoding/json finds it: an exact match wins, otherwise a
    /// case-insensitive one; with duplicates the last one counts.
    func member(_ key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        if let exact = members.last(where: { $0.key == key }) { return exact.value }
        let folded = key.lowercased()
        return members.last(where: { $0.key.lowercased() == folded })?.value
    }
}
