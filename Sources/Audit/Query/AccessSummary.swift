import Foundation
import Logging
import PostgresNIO

/// One line of `kubetrail who`: what one user did on one cluster in the range.
public struct AccessSummary: Sendable, Equatable {
    public var user: String
    public var cluster: String
    /// The groups of the user's latest event on that cluster.
    public var groups: [String]
    public var firstAccess: Date
    public var lastAccess: Date
    /// Requests answered (their ResponseComplete events), denied ones included.
    public var requests: Int64
    /// Of those, create, update, patch, delete and deletecollection.
    public var writes: Int64
    public var denied: Int64
    /// exec, attach and port-forward sessions started.
    public var sessions: Int64

    public static let writeVerbs = ["create", "update", "patch", "delete", "deletecollection"]
}

/// `who`: one row per (user, cluster) with counts, from the same indexes as `query`.
public struct AccessSummaryQuery: Sendable {
    public var filter: AuditFilter

    public init(filter: AuditFilter) { self.filter = filter }

    /// Counts per (user, cluster) in a hash aggregate, then the groups of each pair's latest
    /// event, looked up by user and time: an ordered aggregate over every event
    /// (`array_agg(… ORDER BY event_time)`) would force a sort of all of them, and was most of
    /// the time. With `audit_events_cluster_who` (migration 0003) the counts read only the index;
    /// the groups cost one row per summary.
    func statement() -> PostgresQuery {
        var binds = PostgresBindings()
        let condition = filter.whereClause(binds: &binds)
        binds.append(AccessSummary.writeVerbs)
        let writes = binds.count
        let sql = """
            SELECT a.username, a.cluster,
                   (SELECT to_jsonb(e.groups)::text FROM kubetrail.audit_events e
                     WHERE e.cluster = a.cluster AND e.event_time = a.last AND e.username = a.username
                       AND \(condition) AND e.decision <> 'unauthenticated' LIMIT 1),
                   a.first, a.last, a.requests, a.writes, a.denied, a.sessions
            FROM (
                SELECT username, cluster, min(event_time) AS first, max(event_time) AS last,
                       count(*) FILTER (WHERE kind = 'request' AND stage = 'ResponseComplete') AS requests,
                       count(*) FILTER (WHERE kind = 'request' AND stage = 'ResponseComplete' AND verb = ANY($\(writes)::text[])) AS writes,
                       count(*) FILTER (WHERE kind = 'request' AND stage = 'ResponseComplete' AND decision = 'deny') AS denied,
                       count(*) FILTER (WHERE kind = 'session_start') AS sessions
                FROM kubetrail.audit_events
                WHERE \(condition) AND decision <> 'unauthenticated'
                GROUP BY username, cluster
            ) a
            ORDER BY a.last DESC, a.username, a.cluster
            """
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    public func run(on client: PostgresClient, logger: Logger = DatabaseURL.quietLogger, _ body: (AccessSummary) async throws -> Void) async throws {
        let rows = try await client.query(statement(), logger: logger)
        for try await (user, cluster, groups, first, last, requests, writes, denied, sessions) in rows.decode(
            (String, String, String?, PostgresMicroseconds, PostgresMicroseconds, Int64, Int64, Int64, Int64).self)
        {
            // The latest groups come as JSON (to_jsonb), one small array per summary.
            let groups = groups.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
            try await body(AccessSummary(
                user: user, cluster: cluster, groups: groups, firstAccess: Date(microsecondsSince1970: first.value),
                lastAccess: Date(microsecondsSince1970: last.value), requests: requests, writes: writes, denied: denied,
                sessions: sessions))
        }
    }
}

extension AuditRecordFormat {
    /// The header line for summaries, if the format has one.
    public var summaryHeader: String? {
        switch self {
        case .table: return Self.summaryTable.header
        case .csv: return "user,cluster,groups,first_access,last_access,requests,writes,denied,sessions"
        case .json, .k8sAudit: return nil
        }
    }

    static let summaryTable = TextTable(columns: [
        ("USER", 24), ("CLUSTER", 16), ("FIRST ACCESS", 20), ("LAST ACCESS", 20), ("REQUESTS", 8), ("WRITES", 7), ("DENIED", 7), ("SESSIONS", 8), ("GROUPS", 0),
    ])

    /// One summary as one line. `k8s-audit` describes events, not summaries: callers refuse it.
    public func line(_ s: AccessSummary) -> String {
        let first = String(s.firstAccess.rfc3339Micro.prefix(19)) + "Z"
        let last = String(s.lastAccess.rfc3339Micro.prefix(19)) + "Z"
        switch self {
        case .table:
            let cells = [s.user, s.cluster, first, last, String(s.requests), String(s.writes), String(s.denied), String(s.sessions), s.groups.joined(separator: ",")]
            return Self.summaryTable.line(cells)
        case .csv:
            return [s.user, s.cluster, s.groups.joined(separator: ";"), s.firstAccess.rfc3339Micro, s.lastAccess.rfc3339Micro,
                    String(s.requests), String(s.writes), String(s.denied), String(s.sessions)].map(Self.csvField).joined(separator: ",")
        case .json, .k8sAudit:
            var j = JSONText()
            j.beginObject()
            j.string("user", s.user)
            j.string("cluster", s.cluster)
            j.strings("groups", s.groups)
            j.string("firstAccess", s.firstAccess.rfc3339Micro)
            j.string("lastAccess", s.lastAccess.rfc3339Micro)
            j.number("requests", s.requests)
            j.number("writes", s.writes)
            j.number("denied", s.denied)
            j.number("sessions", s.sessions)
            j.endObject()
            return j.text
        }
    }
}
