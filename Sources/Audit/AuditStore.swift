import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The trail in PostgreSQL: the writer's side (rows, checkpoints, partitions, its public key).
///
/// It needs only INSERT and SELECT (the `kubetrail_writer` role) plus EXECUTE on
/// `kubetrail.ensure_partition`, which creates monthly partitions as their owner.
public struct AuditStore: Sendable {
    public let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger = Logger(label: "kubetrail.store")) {
        self.client = client
        self.logger = logger
    }

    /// Records the writer's public key; a key already recorded for the id must match.
    public func register(_ identity: WriterIdentity) async throws {
        let key = ByteBuffer(bytes: identity.publicKey.rawRepresentation)
        try await client.query(
            "INSERT INTO kubetrail.audit_writers (writer_id, public_key) VALUES (\(identity.writerID), \(key)) ON CONFLICT DO NOTHING",
            logger: logger)
        let rows = try await client.query(
            "SELECT public_key FROM kubetrail.audit_writers WHERE writer_id = \(identity.writerID)", logger: logger)
        for try await stored in rows.decode(ByteBuffer.self) where Array(buffer: stored) != Array(identity.publicKey.rawRepresentation) {
            throw AuditStoreError("writer \(identity.writerID) is registered with a different public key: refusing to write under its name")
        }
    }

    /// The highest seq of the writer's events and of its checkpoints already stored (0 when none).
    public func shipped(writerID: String) async throws -> (events: UInt64, checkpoints: UInt64) {
        let rows = try await client.query(
            """
            SELECT (SELECT coalesce(max(seq), 0) FROM kubetrail.audit_events WHERE writer_id = \(writerID)),
                   (SELECT coalesce(max(seq), 0) FROM kubetrail.audit_checkpoints WHERE writer_id = \(writerID))
            """, logger: logger)
        for try await (events, checkpoints) in rows.decode((Int64, Int64).self) {
            return (UInt64(events), UInt64(checkpoints))
        }
        return (0, 0)
    }

    /// Makes sure the monthly partition holding `monthStart` (µs since 1970) exists.
    public func ensurePartition(monthStart: Int64) async throws {
        try await client.query(
            "SELECT kubetrail.ensure_partition(timestamptz 'epoch' + interval '1 microsecond' * \(monthStart))",
            logger: logger)
    }

    /// How a batch goes in: both are one atomic statement; `tools/bench audit` compares them.
    public enum InsertMethod: String, Sendable, CaseIterable {
        /// `COPY … FROM STDIN` (text format): the faster on these machines.
        case copy
        /// `INSERT … SELECT * FROM UNNEST($1::text[], …)`.
        case unnest
    }

    /// Inserts a batch in one statement. A row whose (writer, seq, time) is already stored makes
    /// the statement fail (the shipper checks the high-water mark before any retry).
    public func insert(_ batch: AuditRowBatch) async throws {
        try await insert(EncodedRows(batch))
    }

    /// A batch already encoded for its statement, so that the encoding can happen off the
    /// critical path (the shipper encodes the next batch while the current one is in flight).
    public enum EncodedRows: Sendable {
        case copy(ByteBuffer)
        case unnest(PostgresQuery)
        case empty

        public init(_ batch: AuditRowBatch) {
            guard batch.count > 0 else { self = .empty; return }
            switch batch.method {
            case .copy: self = .copy(batch.copyData)
            case .unnest: self = .unnest(batch.insertQuery())
            }
        }
    }

    public func insert(_ rows: EncodedRows) async throws {
        switch rows {
        case .empty:
            return
        case .unnest(let query):
            try await client.query(query, logger: logger)
        case .copy(let data):
            try await client.withConnection { connection in
                // postgres-nio quotes the table name whole; this spells "kubetrail"."audit_events".
                try await connection.copyFrom(table: #"kubetrail"."audit_events"#, columns: CanonicalCopyTranscoder.columns, logger: logger) { writer in
                    try await writer.write(data)
                }
            }
        }
    }

    public func insert(_ checkpoints: [Checkpoint]) async throws {
        guard !checkpoints.isEmpty else { return }
        let writers = checkpoints.map(\.writerID)
        let seqs = checkpoints.map { Int64($0.seq) }
        let hashes = checkpoints.map { ByteBuffer(bytes: $0.headHash) }
        let times = checkpoints.map { $0.createdAt.microsecondsSince1970 }
        let signatures = checkpoints.map { ByteBuffer(bytes: $0.signature) }
        try await client.query(
            """
            INSERT INTO kubetrail.audit_checkpoints (writer_id, seq, head_hash, created_at, signature)
            SELECT w, s, h, timestamptz 'epoch' + interval '1 microsecond' * t, sig
            FROM UNNEST(\(writers)::text[], \(seqs)::int8[], \(hashes)::bytea[], \(times)::int8[], \(signatures)::bytea[]) AS u(w, s, h, t, sig)
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }
}

public struct AuditStoreError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
