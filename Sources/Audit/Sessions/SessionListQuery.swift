import Foundation
import Logging
import PostgresNIO

/// `kubetrail sessions`: interactive sessions from their start events (an index of their own,
/// migrations/0004) joined with their end events, and API sessions grouped from the requests in
/// the range; newest first, at most `limit`.
public struct SessionListQuery: Sendable {
    public var users: [String] = []
    public var clusters: [String] = []
    /// Sessions that started (interactive) or had requests (API) at or after this time.
    public var since: Date?
    public var until: Date?
    /// The kinds to list (default: all).
    public var kinds: Set<SessionOverview.Kind> = Set(SessionOverview.Kind.allCases)
    public var limit: Int = 100

    public init() {}

    var filter: AuditFilter {
        var filter = AuditFilter()
        filter.users = users
        filter.clusters = clusters
        filter.since = since
        filter.until = until
        return filter
    }

    /// Newest first (by start), at most `limit`.
    public func run(on client: PostgresClient, logger: Logger = DatabaseURL.quietLogger) async throws -> [SessionOverview] {
        var sessions: [SessionOverview] = []
        let interactive = SessionOverview.Kind.interactive.filter(kinds.contains)
        if !interactive.isEmpty { sessions += try await interactiveSessions(interactive, on: client, logger: logger) }
        if kinds.contains(.api) { sessions += try await apiSessions(on: client, logger: logger) }
        sessions.sort { ($0.start, $0.id) > ($1.start, $1.id) }
        return Array(sessions.prefix(limit))
    }

    func interactiveStatement(_ kinds: [SessionOverview.Kind]) -> PostgresQuery {
        var filter = self.filter
        filter.kinds = [.sessionStart]
        var binds = PostgresBindings()
        var sql = "SELECT \(StoredEventRow.record(includeBodies: false)) FROM kubetrail.audit_events WHERE " + filter.whereClause(binds: &binds)
        if kinds.count < SessionOverview.Kind.interactive.count {
            binds.append(kinds.map(\.rawValue))
            sql += " AND subresource = ANY($\(binds.count)::text[])"
        }
        binds.append(Int64(limit))
        sql += " ORDER BY event_time DESC, writer_id DESC, seq DESC LIMIT $\(binds.count)"
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    private func interactiveSessions(_ kinds: [SessionOverview.Kind], on client: PostgresClient, logger: Logger) async throws -> [SessionOverview] {
        let decompressor = try ZlibDecompressor()
        var starts: [AuditEvent] = []
        for try await row in try await client.query(interactiveStatement(kinds), logger: logger) {
            starts.append(try AuditRecord(row, decompressor: decompressor).event)
        }
        guard !starts.isEmpty else { return [] }
        var binds = PostgresBindings()
        binds.append(starts.compactMap(\.sessionID))
        let ends = PostgresQuery(
            unsafeSQL: "SELECT \(StoredEventRow.record(includeBodies: false)) FROM kubetrail.audit_events WHERE session_id = ANY($1::text[]) AND kind = 'session_end'",
            binds: binds)
        var endBySession: [String: AuditEvent] = [:]
        for try await row in try await client.query(ends, logger: logger) {
            let end = try AuditRecord(row, decompressor: decompressor).event
            if let session = end.sessionID { endBySession[session] = end }
        }
        return starts.map { SessionOverview(start: $0, end: $0.sessionID.flatMap { endBySession[$0] }) }
    }

    /// Requests grouped by their kubectl run. A request's key is its Kubectl-Session, or its
    /// connection when it has none; requests whose caller was never identified are left out.
    func apiStatement() -> PostgresQuery {
        var filter = self.filter
        filter.kinds = [.request]
        var binds = PostgresBindings()
        let condition = filter.whereClause(binds: &binds)
        binds.append(Int64(limit))
        let sql = """
            SELECT COALESCE(kubectl_session, connection_id), (array_agg(username ORDER BY event_time))[1],
                   string_agg(DISTINCT cluster, ','), COALESCE(max(kubectl_command), ''), min(request_time), max(event_time),
                   count(DISTINCT audit_id),
                   count(*) FILTER (WHERE stage = 'ResponseComplete' AND decision = 'deny'),
                   count(*) FILTER (WHERE stage = 'ResponseComplete' AND decision = 'allow' AND status_code >= 400),
                   COALESCE(sum(bytes_in) FILTER (WHERE stage = 'ResponseComplete'), 0)::bigint,
                   COALESCE(sum(bytes_out) FILTER (WHERE stage = 'ResponseComplete'), 0)::bigint
            FROM kubetrail.audit_events
            WHERE \(condition) AND decision <> 'unauthenticated' AND COALESCE(kubectl_session, connection_id) IS NOT NULL
            GROUP BY 1
            ORDER BY min(request_time) DESC, 1 DESC
            LIMIT $\(binds.count)
            """
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    private func apiSessions(on client: PostgresClient, logger: Logger) async throws -> [SessionOverview] {
        var sessions: [SessionOverview] = []
        let rows = try await client.query(apiStatement(), logger: logger)
        for try await (id, user, cluster, command, first, last, requests, denied, failed, bytesIn, bytesOut) in rows.decode(
            (String, String, String, String, PostgresMicroseconds, PostgresMicroseconds, Int64, Int64, Int64, Int64, Int64).self)
        {
            var outcome = requests == 1 ? "1 request" : "\(requests) requests"
            if denied > 0 { outcome += ", \(denied) denied" }
            if failed > 0 { outcome += ", \(failed) failed" }
            sessions.append(SessionOverview(
                id: id, kind: .api, user: user, cluster: cluster, target: command, start: Date(microsecondsSince1970: first.value),
                duration: max(0, last.value - first.value), bytesIn: bytesIn, bytesOut: bytesOut, outcome: outcome, requests: requests))
        }
        return sessions
    }
}
