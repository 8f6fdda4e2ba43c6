import Foundation
import Logging

/// Moves durable spool records into PostgreSQL, in chain order, once each.
///
/// Batches of up to `batchSize` records go in one UNNEST insert. After a restart it asks the
/// database how far this writer got and skips what is already there; a retry after a lost
/// acknowledgement is a no-op (`ON CONFLICT DO NOTHING`). While the database is away it
/// backs off exponentially and keeps the batch; a segment is deleted only after the database
/// has every record in it.
public actor AuditShipper {
    public struct Configuration: Sendable {
        public var batchSize: Int
        public var initialBackoff: Duration
        public var maximumBackoff: Duration
        public var compressionLevel: Int32
        /// A database round trip longer than this counts as a failure (the server went away).
        public var statementTimeout: Duration

        public init(batchSize: Int = 2000, initialBackoff: Duration = .milliseconds(100), maximumBackoff: Duration = .seconds(5), compressionLevel: Int32 = 6, statementTimeout: Duration = .seconds(30)) {
            self.batchSize = batchSize
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
            self.compressionLevel = compressionLevel
            self.statementTimeout = statementTimeout
        }
    }

    private let pipeline: AuditPipeline
    private let store: AuditStore
    private let configuration: Configuration
    private let logger: Logger
    private let compressor: ZlibCompressor
    private var ensuredMonths: Set<Int64> = []

    /// Events stored in PostgreSQL by this shipper.
    public private(set) var eventsShipped: UInt64 = 0
    /// The highest seq PostgreSQL is known to hold for this writer.
    public private(set) var shippedSeq: UInt64 = 0
    /// The last error met talking to the database, cleared by the next success.
    public private(set) var lastError: String?

    public init(pipeline: AuditPipeline, store: AuditStore, configuration: Configuration = .init(), logger: Logger = Logger(label: "kubetrail.shipper")) throws {
        self.pipeline = pipeline
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.compressor = try ZlibCompressor(level: configuration.compressionLevel)
    }

    /// Ships until the task is cancelled, or until the pipeline is shut down and everything durable is stored.
    public func run() async throws {
        let identity = pipeline.identity
        let reader = try SpoolReader(directory: pipeline.configuration.spoolDirectory, writerID: identity.writerID)
        var highWater: (events: UInt64, checkpoints: UInt64)?
        var backoff = configuration.initialBackoff
        var batch: PreparedBatch?

        while !Task.isCancelled {
            do {
                if highWater == nil {
                    let store = self.store
                    highWater = try await withTimeout(configuration.statementTimeout, "asking the database how far writer \(identity.writerID) got") {
                        try await store.register(identity)
                        return try await store.shipped(writerID: identity.writerID)
                    }
                    shippedSeq = highWater!.events
                }
                if batch == nil {
                    let durable = await pipeline.durable
                    let records = try reader.read(upTo: durable, maximum: configuration.batchSize)
                    if records.isEmpty {
                        if await pipeline.isClosed, reader.position >= (await pipeline.durable) { return }
                        _ = await pipeline.waitForDurable(after: reader.position)
                        continue
                    }
                    batch = try prepare(records, after: highWater!)
                }
                let prepared = batch!
                try await withTimeout(configuration.statementTimeout, "shipping \(prepared.rows.count) events") {
                    try await self.ship(prepared)
                }
                highWater = (max(highWater!.events, batch!.lastEventSeq), max(highWater!.checkpoints, batch!.lastCheckpointSeq))
                eventsShipped += UInt64(batch!.rows.count)
                shippedSeq = highWater!.events
                batch = nil
                backoff = configuration.initialBackoff
                if lastError != nil {
                    logger.notice("audit database reachable again", metadata: ["shipped_seq": "\(shippedSeq)"])
                    lastError = nil
                }
                _ = try Spool.deleteSegments(olderThan: reader.position.segment, in: pipeline.configuration.spoolDirectory)
            } catch let error as SpoolError {
                // The spool itself is damaged: retrying the read will not help, so say it loudly.
                logger.critical("cannot read the audit spool", metadata: ["error": "\(error)"])
                lastError = "\(error)"
                throw error
            } catch {
                if Task.isCancelled { return }
                if lastError == nil {
                    logger.error("audit database unavailable; events wait in the spool", metadata: ["error": "\(describeDatabaseError(error))"])
                }
                lastError = describeDatabaseError(error)
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, configuration.maximumBackoff)
            }
        }
    }

    private struct PreparedBatch: Sendable {
        var rows: AuditRowBatch
        var checkpoints: [Checkpoint]
        var lastEventSeq: UInt64
        var lastCheckpointSeq: UInt64
    }

    private func prepare(_ records: [SpoolRecord], after highWater: (events: UInt64, checkpoints: UInt64)) throws -> PreparedBatch {
        var rows = AuditRowBatch()
        var checkpoints: [Checkpoint] = []
        var lastEvent: UInt64 = 0
        var lastCheckpoint: UInt64 = 0
        for record in records {
            switch record {
            case .event(let link, let chainRecord, let requestBody, let responseBody):
                lastEvent = link.seq
                guard link.seq > highWater.events else { continue }
                try rows.append(link: link, chainRecord: chainRecord, requestBody: requestBody, responseBody: responseBody, compressor: compressor)
            case .checkpoint(let checkpoint):
                lastCheckpoint = checkpoint.seq
                guard checkpoint.seq > highWater.checkpoints else { continue }
                checkpoints.append(checkpoint)
            }
        }
        return PreparedBatch(rows: rows, checkpoints: checkpoints, lastEventSeq: lastEvent, lastCheckpointSeq: lastCheckpoint)
    }

    private func ship(_ batch: PreparedBatch) async throws {
        for month in batch.rows.months where !ensuredMonths.contains(month) {
            try await store.ensurePartition(monthStart: month)
            ensuredMonths.insert(month)
        }
        try await store.insert(batch.rows)
        try await store.insert(batch.checkpoints)
    }
}
