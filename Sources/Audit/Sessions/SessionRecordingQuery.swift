import Foundation
import Logging
import PostgresNIO

/// Where a chunk sits in its session's order: its first frame's offset, then its place in its
/// writer's chain (several chunks may start in the same microsecond).
public struct SessionChunkKey: Sendable, Hashable, Comparable {
    /// Microseconds since the session started.
    public var offset: Int64
    public var seq: Int64

    public init(offset: Int64, seq: Int64) {
        self.offset = offset
        self.seq = seq
    }

    public static func < (a: Self, b: Self) -> Bool { (a.offset, a.seq) < (b.offset, b.seq) }
}

/// One stored chunk of a recorded session: its place and its record, body decompressed.
public struct SessionChunkRecord: Sendable {
    public var key: SessionChunkKey
    public var record: AuditRecord
}

/// The reads `replay` makes of one interactive session: its start and end events, the chunk
/// that holds an offset, and pages of chunks in order. Every read is one index probe
/// (migrations/0004_session_chunk_index.sql): nothing before the chunk asked for is read.
public struct SessionRecordingQuery: Sendable {
    /// The interactive session's id (its exec, attach or port-forward request's audit id).
    public var session: String

    public init(session: String) { self.session = session }

    static let offsetExpression = "kubetrail.session_chunk_offset(extras)"

    /// The session's start event; nil when there is no such session.
    public func start(on client: PostgresClient, logger: Logger = DatabaseURL.quietLogger) async throws -> AuditRecord? {
        try await single(kind: .sessionStart, on: client, logger: logger)
    }

    /// The session's end event; nil while it has none (live, or cut off).
    public func end(on client: PostgresClient, logger: Logger = DatabaseURL.quietLogger) async throws -> AuditRecord? {
        try await single(kind: .sessionEnd, on: client, logger: logger)
    }

    private func single(kind: AuditEvent.Kind, on client: PostgresClient, logger: Logger) async throws -> AuditRecord? {
        var binds = PostgresBindings()
        binds.append(session)
        let sql = "SELECT \(StoredEventRow.record(includeBodies: false)) FROM kubetrail.audit_events WHERE session_id = $1 AND kind = '\(kind.rawValue)' ORDER BY event_time LIMIT 1"
        let decompressor = try ZlibDecompressor()
        for try await row in try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
            return try AuditRecord(row, decompressor: decompressor)
        }
        return nil
    }

    /// The key of the chunk that holds `offset`: the last one that starts at or before it. Nil
    /// when no chunk does (the offset is before the first frame).
    public func chunk(holding offset: Int64, on client: PostgresClient, logger: Logger = DatabaseURL.quietLogger) async throws -> SessionChunkKey? {
        var binds = PostgresBindings()
        binds.append(session)
        binds.append(offset)
        let sql = """
            SELECT \(Self.offsetExpression), seq FROM kubetrail.audit_events
            WHERE session_id = $1 AND kind = 'session_chunk' AND \(Self.offsetExpression) <= $2
            ORDER BY \(Self.offsetExpression) DESC, seq DESC LIMIT 1
            """
        for try await (offset, seq) in try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).decode((Int64, Int64).self) {
            return SessionChunkKey(offset: offset, seq: seq)
        }
        return nil
    }

    /// Where a page of chunks begins.
    public enum PageStart: Sendable, Equatable {
        /// The session's first chunk.
        case first
        /// This chunk, included (where a seek landed).
        case at(SessionChunkKey)
        /// The chunk after this one.
        case after(SessionChunkKey)
    }

    /// Up to `limit` chunks in session order from `start`, bodies decompressed.
    public func chunks(from start: PageStart, limit: Int, on client: PostgresClient,
                       logger: Logger = DatabaseURL.quietLogger) async throws -> [SessionChunkRecord] {
        var binds = PostgresBindings()
        binds.append(session)
        var sql = "SELECT \(StoredEventRow.record(includeBodies: true)) FROM kubetrail.audit_events "
            + "WHERE session_id = $1 AND kind = 'session_chunk' AND \(Self.offsetExpression) IS NOT NULL"
        switch start {
        case .first:
            break
        case .at(let key), .after(let key):
            binds.append(key.offset)
            binds.append(key.seq)
            let op = start == .at(key) ? ">=" : ">"
            sql += " AND (\(Self.offsetExpression), seq) \(op) ($2, $3)"
        }
        binds.append(Int64(limit))
        sql += " ORDER BY \(Self.offsetExpression), seq LIMIT $\(binds.count)"
        let decompressor = try ZlibDecompressor()
        var page: [SessionChunkRecord] = []
        page.reserveCapacity(limit)
        for try await row in try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
            // The indexed offset is the chunk's own annotation (the filter above passed only rows
            // where it parses): read it there rather than have the server evaluate it again.
            let record = try AuditRecord(row, decompressor: decompressor)
            guard let offset = record.event.annotations[SessionAnnotation.firstOffset].flatMap({ Int64($0) }) else {
                throw CanonicalDecodingError("chunk \(record.seq) of session \(session) has no first offset")
            }
            page.append(SessionChunkRecord(key: SessionChunkKey(offset: offset, seq: Int64(record.seq)), record: record))
        }
        return page
    }
}
