import Foundation
import Logging
import NIOCore
import PostgresNIO

/// One stored event as an auditor sees it: its place in the trail and the event itself.
public struct AuditRecord: Sendable {
    public var writerID: String
    public var seq: UInt64
    public var event: AuditEvent
    /// The bodies' digests (the event's bodies are filled only when asked for).
    public var requestBodyDigest: PayloadDigest?
    public var responseBodyDigest: PayloadDigest?

    public init(writerID: String, seq: UInt64, event: AuditEvent, requestBodyDigest: PayloadDigest? = nil, responseBodyDigest: PayloadDigest? = nil) {
        self.writerID = writerID
        self.seq = seq
        self.event = event
        self.requestBodyDigest = requestBodyDigest
        self.responseBodyDigest = responseBodyDigest
    }

    public var cursor: AuditCursor {
        AuditCursor(eventTime: event.stageTimestamp.microsecondsSince1970, writerID: writerID, seq: seq)
    }
}

/// Where a page ended: `--after` takes it to continue from there, without gaps or repeats.
public struct AuditCursor: Sendable, Equatable, CustomStringConvertible {
    public var eventTime: Int64
    public var writerID: String
    public var seq: UInt64

    public var description: String {
        Data("\(eventTime)/\(seq)/\(writerID)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public init(eventTime: Int64, writerID: String, seq: UInt64) {
        self.eventTime = eventTime
        self.writerID = writerID
        self.seq = seq
    }

    public init(_ text: String) throws {
        var b64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        let parts = Data(base64Encoded: b64).map { String(decoding: $0, as: UTF8.self) }?.split(separator: "/", maxSplits: 2)
        guard let parts, parts.count == 3, let time = Int64(parts[0]), let seq = UInt64(parts[1]) else {
            throw InvalidQueryInput(description: "'\(text)' is not a cursor: pass the value printed after a page (--after)")
        }
        self.init(eventTime: time, writerID: String(parts[2]), seq: seq)
    }
}

/// A query over the trail: filters, order, page. Rows stream; nothing is held whole.
public struct AuditQuery: Sendable {
    public enum Order: String, Sendable, CaseIterable {
        case newestFirst = "newest"
        case oldestFirst = "oldest"
    }

    public var filter: AuditFilter
    public var order: Order
    public var limit: Int?
    public var after: AuditCursor?
    /// Decompress and return the stored bodies.
    public var includeBodies: Bool

    public init(filter: AuditFilter = AuditFilter(), order: Order = .newestFirst, limit: Int? = nil, after: AuditCursor? = nil, includeBodies: Bool = false) {
        self.filter = filter
        self.order = order
        self.limit = limit
        self.after = after
        self.includeBodies = includeBodies
    }

    /// The SQL and binds. Ordering by (event_time, writer_id, seq) makes every row's place unique.
    func statement() -> PostgresQuery {
        var binds = PostgresBindings()
        var sql = "SELECT \(StoredEventRow.record(includeBodies: includeBodies)) FROM kubetrail.audit_events WHERE "
        sql += filter.whereClause(binds: &binds)
        let direction = order == .newestFirst ? "DESC" : "ASC"
        if let after {
            binds.append(after.eventTime)
            let t = binds.count
            binds.append(after.writerID)
            binds.append(Int64(after.seq))
            let op = order == .newestFirst ? "<" : ">"
            sql += " AND (event_time, writer_id, seq) \(op) (timestamptz 'epoch' + $\(t) * interval '1 microsecond', $\(t + 1), $\(t + 2))"
        }
        sql += " ORDER BY event_time \(direction), writer_id \(direction), seq \(direction)"
        if let limit {
            binds.append(Int64(limit))
            sql += " LIMIT $\(binds.count)"
        }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    /// Streams matching records to `body`, in order; returns the cursor after the last one.
    @discardableResult
    public func run(on client: PostgresClient, logger: Logger = DatabaseURL.quietLogger, _ body: (AuditRecord) async throws -> Void) async throws -> AuditCursor? {
        let decompressor = try ZlibDecompressor()
        var last: AuditCursor?
        for try await row in try await client.query(statement(), logger: logger) {
            let record = try AuditRecord(row, decompressor: decompressor)
            try await body(record)
            last = record.cursor
        }
        return last
    }
}
