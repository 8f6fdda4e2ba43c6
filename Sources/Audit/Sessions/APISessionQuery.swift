import Foundation
import Logging
import PostgresNIO

/// The requests of one API session (one kubectl run) in time order, for `replay`'s timeline.
///
/// A plain request's session id is its run's Kubectl-Session (or its connection id), so the
/// session index finds them; the run's exec, attach and port-forward requests carry their
/// interactive session's id instead and are found through their start events
/// (`audit_events_session_runs`, migrations/0004).
public struct APISessionQuery: Sendable {
    /// The Kubectl-Session, or the connection id of a client that sent none.
    public var session: String

    public init(session: String) { self.session = session }

    /// Whether any request carries this session id.
    public func exists(on client: PostgresClient, logger: Logger = DatabaseURL.quietLogger) async throws -> Bool {
        var binds = PostgresBindings()
        binds.append(session)
        let rows = try await client.query(
            PostgresQuery(unsafeSQL: "SELECT 1 FROM kubetrail.audit_events WHERE session_id = $1 AND kind = 'request' LIMIT 1", binds: binds),
            logger: logger)
        for try await _ in rows { return true }
        return false
    }

    func statement(includeBodies: Bool) -> PostgresQuery {
        var binds = PostgresBindings()
        binds.append(session)
        let columns = StoredEventRow.record(includeBodies: includeBodies) + ", event_time, writer_id, seq"
        let sql = """
            SELECT \(columns) FROM kubetrail.audit_events WHERE session_id = $1 AND kind = 'request'
            UNION ALL
            SELECT \(columns) FROM kubetrail.audit_events WHERE kind = 'request' AND session_id <> $1 AND session_id IN (
                SELECT session_id FROM kubetrail.audit_events WHERE kind = 'session_start' AND COALESCE(kubectl_session, connection_id) = $1)
            ORDER BY event_time, writer_id, seq
            """
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    /// Streams the session's request events to `body`, oldest first, bodies decompressed when asked.
    public func run(on client: PostgresClient, includeBodies: Bool = true, logger: Logger = DatabaseURL.quietLogger,
                    _ body: (AuditRecord) async throws -> Void) async throws {
        let decompressor = try ZlibDecompressor()
        for try await row in try await client.query(statement(includeBodies: includeBodies), logger: logger) {
            try await body(try AuditRecord(row, decompressor: decompressor))
        }
    }
}
