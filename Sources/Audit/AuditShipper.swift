import Foundation
import Logging

/// Moves durable spool records into PostgreSQL, in chain order, once each.
///
/// Batches of up to `batchSize` records go in one COPY; the next batch is read and encoded
/// while the current one is in flight, but only one is ever in flight, so the database always
/// holds a prefix of the chain. That makes the high-water mark (`max(seq)` of the writer) the
/// whole truth: at start, and after any failure whose outcome is unknown (a lost
/// acknowledgement), the shipper asks for it and sends only what lies above. While the database
/// is away it backs off exponentially and keeps its batches; a segment is deleted only after
/// the database has every record in it.
public actor AuditShipper {
    public struct Configuration: Sendable {
        public var batchSize: Int
        public var initialBackoff: Duration
        public var maximumBackoff: Duration
        public var compressionLevel: Int32
        /// A database round trip longer than this counts as a failure (the server went away).
        public var statementTimeout: Duration
        public var insertMethod: AuditStore.InsertMethod

        public init(
            batchSize: Int = 5000, initialBackoff: Duration = .milliseconds(100), maximumBackoff: Duration = .seconds(5),
            compressionLevel: Int32 = 6, statementTimeout: Duration = .seconds(30), insertMethod: AuditStore.InsertMethod = .copy
        ) {
            self.batchSize = batchSize
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
            self.compressionLevel = compressionLevel
            self.statementTimeout = statementTimeout
            self.insertMethod = insertMethod
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
    /// When the shipper last found nothing durable left to ship: how far behind it is, in time.
    public private(set) var caughtUpAt = ContinuousClock.now

    public init(pipeline: AuditPipeline, store: AuditStore, configuration: Configuration = .init(), logger: Logger = Logger(label: "kubetrail.shipper")) throws {
        self.pipeline = pipeline
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.compressor = try ZlibCompressor(level: configuration.compressionLevel)
    }

    struct PreparedBatch: Sendable {
        var rows: AuditRowBatch
        var encoded: AuditStore.EncodedRows
        var checkpoints: [Checkpoint]
        /// The reader's position after this batch: segments before it may go once it is stored.
        var end: SpoolPosition
    }

    /// Ships until the task is cancelled, or until the pipeline is shut down and everything durable is stored.
    public func run() async throws {
        let identity = pipeline.identity
        let reader = try SpoolReader(directory: pipeline.configuration.spoolDirectory, writerID: identity.writerID)
        var highWater: (events: UInt64, checkpoints: UInt64)?
        var backoff = configuration.initialBackoff
        var queue: [PreparedBatch] = []

        while !Task.isCancelled {
            do {
                if highWater == nil {
                    let store = self.store
                    let known = try await withTimeout(configuration.statementTimeout, "asking the database how far writer \(identity.writerID) got") {
                        try await store.register(identity)
                        return try await store.shipped(writerID: identity.writerID)
                    }
                    highWater = known
                    shippedSeq = known.events
                    // Whatever the database already has (a lost acknowledgement) is not sent again.
                    queue = queue.map { batch in
                        let rows = batch.rows.after(seq: known.events)
                        return PreparedBatch(rows: rows, encoded: rows.count == batch.rows.count ? batch.encoded : .init(rows), checkpoints: batch.checkpoints.filter { $0.seq > known.checkpoints }, end: batch.end)
                    }
                }
                if queue.isEmpty {
                    guard let next = try await readBatch(reader, after: highWater!) else {
                        caughtUpAt = .now
                        if await pipeline.isClosed, reader.position >= (await pipeline.durable) { return }
                        _ = await pipeline.waitForDurable(after: reader.position)
                        continue
                    }
                    queue.append(next)
                }
                let current = queue[0]
                for month in current.rows.months where !ensuredMonths.contains(month) {
                    let store = self.store
                    try await withTimeout(configuration.statementTimeout, "creating a partition") { try await store.ensurePartition(monthStart: month) }
                    ensuredMonths.insert(month)
                }
                // Send this batch; read and compress the next one meanwhile.
                let store = self.store
                async let sent: Void = withTimeout(configuration.statementTimeout, "shipping \(current.rows.count) events") {
                    try await store.insert(current.encoded)
                    try await store.insert(current.checkpoints)
                }
                var readError: (any Error)?
                if queue.count == 1 {
                    do {
                        if let next = try await readBatch(reader, after: highWater!) { queue.append(next) }
                    } catch {
                        readError = error
                    }
                }
                try await sent
                if let readError { throw readError }

                queue.removeFirst()
                highWater = (current.rows.lastSeq ?? highWater!.events, current.checkpoints.last?.seq ?? highWater!.checkpoints)
                eventsShipped += UInt64(current.rows.count)
                shippedSeq = highWater!.events
                backoff = configuration.initialBackoff
                if lastError != nil {
                    logger.notice("audit database reachable again", metadata: ["shipped_seq": "\(shippedSeq)"])
                    lastError = nil
                }
                _ = try Spool.deleteSegments(olderThan: current.end.segment, in: pipeline.configuration.spoolDirectory)
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
                highWater = nil  // the outcome is unknown: ask again before sending anything
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, configuration.maximumBackoff)
            }
        }
    }

    /// The next durable records as a prepared batch, or nil when there are none yet.
    private func readBatch(_ reader: SpoolReader, after highWater: (events: UInt64, checkpoints: UInt64)) async throws -> PreparedBatch? {
        let durable = await pipeline.durable
        let records = try reader.read(upTo: durable, maximum: configuration.batchSize)
        guard !records.isEmpty else { return nil }
        var rows = AuditRowBatch(method: configuration.insertMethod)
        var checkpoints: [Checkpoint] = []
        do {
          for record in records {
            switch record {
            case .event(let link, let chainRecord, let requestBody, let responseBody):
                guard link.seq > highWater.events else { continue }
                try rows.append(link: link, chainRecord: chainRecord, requestBody: requestBody, responseBody: responseBody, compressor: compressor)
            case .checkpoint(let checkpoint):
                guard checkpoint.seq > highWater.checkpoints else { continue }
                checkpoints.append(checkpoint)
            }
          }
        } catch {
            throw SpoolError("a spooled record does not decode: \(error)")
        }
        return PreparedBatch(rows: rows, encoded: .init(rows), checkpoints: checkpoints, end: reader.position)
    }
}
