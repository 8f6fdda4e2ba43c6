import Foundation
import PostgresNIO

/// What an auditor asks for: each set field narrows the events, all of them together.
public struct AuditFilter: Sendable, Equatable {
    public var users: [String] = []
    public var groups: [String] = []
    public var clusters: [String] = []
    public var namespaces: [String] = []
    public var verbs: [String] = []
    public var resources: [String] = []
    public var names: [String] = []
    public var status: StatusFilter?
    public var decision: AuditEvent.Decision?
    /// An interactive session id, a `Kubectl-Session` or a connection id.
    public var session: String?
    public var auditID: UUID?
    public var since: Date?
    public var until: Date?
    /// Only these kinds of event (default: all).
    public var kinds: [AuditEvent.Kind] = []
    /// Only these stages (default: all).
    public var stages: [AuditEvent.Stage] = []

    public init() {}

    /// A status code (`404`) or a class (`4xx`).
    public enum StatusFilter: Sendable, Equatable {
        case code(Int32)
        case range(ClosedRange<Int32>)

        public init(_ text: String) throws {
            let t = text.lowercased()
            if t.count == 3, t.hasSuffix("xx"), let digit = Int32(t.prefix(1)), (1...5).contains(digit) {
                self = .range(digit * 100...digit * 100 + 99)
            } else if let code = Int32(t), (100...599).contains(code) {
                self = .code(code)
            } else {
                throw InvalidQueryInput(description: "'\(text)' is not a status: give a code (404) or a class (1xx…5xx)")
            }
        }
    }

    /// The WHERE clause and its binds; every condition is one an index answers (see migrations).
    func whereClause(binds: inout PostgresBindings) -> String {
        var conditions: [String] = []
        func bind(_ value: some PostgresNonThrowingEncodable & Sendable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        func anyOf(_ column: String, _ values: [String]) {
            guard !values.isEmpty else { return }
            conditions.append(values.count == 1 ? "\(column) = \(bind(values[0]))" : "\(column) = ANY(\(bind(values))::text[])")
        }
        anyOf("username", users)
        anyOf("cluster", clusters)
        anyOf("namespace", namespaces)
        anyOf("verb", verbs)
        anyOf("resource", resources)
        anyOf("name", names)
        anyOf("kind", kinds.map(\.rawValue))
        anyOf("stage", stages.map(\.rawValue))
        if !groups.isEmpty { conditions.append("groups && \(bind(groups))::text[]") }
        switch status {
        case .code(let code)?: conditions.append("status_code = \(bind(code))")
        case .range(let range)?: conditions.append("status_code BETWEEN \(bind(range.lowerBound)) AND \(bind(range.upperBound))")
        case nil: break
        }
        if let decision { conditions.append("decision = \(bind(decision.rawValue))") }
        if let session {
            let p = bind(session)
            conditions.append("(session_id = \(p) OR kubectl_session = \(p) OR connection_id = \(p))")
        }
        if let auditID { conditions.append("audit_id = \(bind(auditID))") }
        if let since { conditions.append("event_time >= \(bind(since.microsecondsSince1970)) * interval '1 microsecond' + timestamptz 'epoch'") }
        if let until { conditions.append("event_time < \(bind(until.microsecondsSince1970)) * interval '1 microsecond' + timestamptz 'epoch'") }
        return conditions.isEmpty ? "TRUE" : conditions.joined(separator: " AND ")
    }
}
