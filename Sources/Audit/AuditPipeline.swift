import Crypto
import Foundation
import Logging
import NIOPosix

/// Why the pipeline refused an event. Callers fail closed on it (HTTP 503) unless told otherwise.
public enum AuditPipelineError: Error, CustomStringConvertible, Equatable {
    /// The spool cannot take events (disk full, I/O error): nothing can be made durable.
    case spoolUnavailable(String)
    /// The pipeline is shutting down or shut down.
    case closed

    public var description: String {
        switch self {
        case .spoolUnavailable(let why): return "audit spool unavailable: \(why)"
        case .closed: return "audit pipeline is closed"
        }
    }
}

/// Settings of the local half of the pipeline: chain, spool, checkpoints.
public struct AuditPipelineConfiguration: Sendable {
    public enum Durability: Sendable, Equatable {
        /// `record` returns once the event is fsync'd to the spool.
        case strict
        /// `record` returns once the event is queued; the spool is fsync'd every `syncInterval`.
        case batched(syncInterval: Duration)
    }

    public var spoolDirectory: String
    public var durability: Durability
    /// A signed checkpoint after this many events...
    public var checkpointEvery: Int
    /// ...or after this long with unsigned events, whichever comes first.
    public var checkpointInterval: Duration
    /// A segment is sealed and a new one started past this size.
    public var segmentSize: Int
    /// Events queued in memory beyond this many bytes make `record` wait (backpressure).
    public var maximumPendingBytes: Int
    /// How often a failed spool is tried again.
    public var retryInterval: Duration

    public init(
        spoolDirectory: String,
        durability: Durability = .strict,
        checkpointEvery: Int = 1000,
        checkpointInterval: Duration = .seconds(10),
        segmentSize: Int = 64 << 20,
        maximumPendingBytes: Int = 32 << 20,
        retryInterval: Duration = .seconds(1)
    ) {
        self.spoolDirectory = spoolDirectory
        self.durability = durability
        self.checkpointEvery = checkpointEvery
        self.checkpointInterval = checkpointInterval
        self.segmentSize = segmentSize
        self.maximumPendingBytes = maximumPendingBytes
        self.retryInterval = retryInterval
    }
}

/// The front of the audit trail: event → chain → spool (durable) → shipper → PostgreSQL.
///
/// `record` chains the event and appends it to the spool's queue; one flush at a time writes
/// the queue and fsyncs it, so concurrent callers share each fsync (group commit). When the
/// spool fails, `record` throws `spoolUnavailable` until a retry succeeds: callers fail closed.
public actor AuditPipeline {
    public enum Health: Sendable, Equatable {
        case healthy
        case failing(String)
    }

    public nonisolated let configuration: AuditPipelineConfiguration
    public nonisolated let identity: WriterIdentity
    private let logger: Logger
    private let writer: SpoolWriter
    private var chain: HashChain

    private var pending: [UInt8] = []
    private var pendingWaiters: [CheckedContinuation<Void, Error>] = []
    private var spaceWaiters: [CheckedContinuation<Void, Never>] = []
    private var flushing = false
    private var lastSync = ContinuousClock.now
    private var syncRequested = false
    /// Written with write(2) but not yet fsync'd (batched mode).
    private var hasUnsyncedBytes = false

    private var lastLink: ChainLink?
    private var eventsSinceCheckpoint = 0
    private var lastCheckpointAt = ContinuousClock.now

    public private(set) var health: Health = .healthy
    private var lastFailureAt = ContinuousClock.now
    /// Set when shutdown begins: no new events from then on.
    private var closing = false
    private var closed = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    public private(set) var durable: SpoolPosition
    private var durableWaiters: [(after: SpoolPosition, continuation: CheckedContinuation<SpoolPosition, Never>)] = []
    private var timerTask: Task<Void, Never>?

    /// Events chained since start.
    public private(set) var eventsRecorded: UInt64 = 0
    /// Checkpoints signed since start.
    public private(set) var checkpointsSigned: UInt64 = 0
    /// Bytes dropped from a torn last record at recovery.
    public nonisolated let tornBytesRecovered: Int

    /// Opens the spool (recovering it after a crash) and starts the checkpoint and sync timers.
    public init(configuration: AuditPipelineConfiguration, identity: WriterIdentity, logger: Logger = Logger(label: "kubetrail.audit")) throws {
        let recovered = try Spool.recover(directory: configuration.spoolDirectory, writerID: identity.writerID)
        self.configuration = configuration
        self.identity = identity
        self.logger = logger
        self.chain = recovered.chain
        self.tornBytesRecovered = recovered.tornBytesDropped
        self.writer = SpoolWriter(
            directory: configuration.spoolDirectory, writerID: identity.writerID,
            active: recovered.active, segmentSize: configuration.segmentSize)
        self.durable = writer.durable
        if recovered.tornBytesDropped > 0 {
            logger.warning("spool recovered: dropped a torn last record", metadata: ["bytes": "\(recovered.tornBytesDropped)"])
        }
    }

    /// Starts the timers that sign checkpoints and, in batched mode, fsync the spool.
    public func start() {
        guard timerTask == nil else { return }
        let tick: Duration
        switch configuration.durability {
        case .strict: tick = min(configuration.checkpointInterval, .milliseconds(500))
        case .batched(let interval): tick = min(interval, configuration.checkpointInterval)
        }
        timerTask = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                await self?.onTimer()
            }
        }
    }

    /// Chains `event` and spools it. In strict mode it returns only once the event is fsync'd.
    public nonisolated func record(_ event: AuditEvent) async throws {
        let canonical = CanonicalEventEncoding.encode(event)
        try await append(canonical: canonical, requestBody: event.requestBody, responseBody: event.responseBody)
    }

    /// True once `shutdown` has run: no more events are taken.
    public var isClosed: Bool { closed }

    /// Bytes chained but not yet written to the spool (the queue in front of the disk).
    public var pendingBytes: Int { pending.count }

    /// The chain position the next event will get.
    public var nextSeq: UInt64 { chain.nextSeq }

    /// Waits until the durable position moves past `position` (or the pipeline closes).
    public func waitForDurable(after position: SpoolPosition) async -> SpoolPosition {
        if durable > position || closed { return durable }
        return await withCheckedContinuation { durableWaiters.append((position, $0)) }
    }

    /// Signs a final checkpoint, flushes everything durably and stops the timers.
    public func shutdown() async {
        guard !closing else { return }
        closing = true
        if eventsSinceCheckpoint > 0 { appendCheckpoint() }
        syncRequested = true
        startFlushIfIdle()
        // Only one flush may run at a time: wait for the running one, which takes this sync too.
        while flushing { await withCheckedContinuation { idleWaiters.append($0) } }
        if !pending.isEmpty {
            // Only possible while the spool fails: say so rather than drop the bytes silently.
            logger.critical("audit spool unavailable at shutdown: queued events could not be written", metadata: ["bytes": "\(pending.count)", "health": "\(health)"])
        }
        closed = true
        timerTask?.cancel()
        timerTask = nil
        for waiter in durableWaiters { waiter.continuation.resume(returning: durable) }
        durableWaiters.removeAll()
        for waiter in spaceWaiters { waiter.resume() }
        spaceWaiters.removeAll()
    }

    // MARK: - Appending

    private func append(canonical: [UInt8], requestBody: Payload?, responseBody: Payload?) async throws {
        guard !closing else { throw AuditPipelineError.closed }
        if case .failing(let why) = health { throw AuditPipelineError.spoolUnavailable(why) }
        while pending.count >= configuration.maximumPendingBytes, !closing {
            await withCheckedContinuation { spaceWaiters.append($0) }
            if case .failing(let why) = health { throw AuditPipelineError.spoolUnavailable(why) }
        }
        guard !closing else { throw AuditPipelineError.closed }
        let (link, chainRecord) = chain.append(canonicalEvent: canonical)
        let record = SpoolRecord.event(link: link, chainRecord: chainRecord, requestBody: requestBody, responseBody: responseBody)
        record.appendFramed(to: &pending)
        lastLink = link
        eventsRecorded += 1
        eventsSinceCheckpoint += 1
        if eventsSinceCheckpoint >= configuration.checkpointEvery { appendCheckpoint() }

        switch configuration.durability {
        case .strict:
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                pendingWaiters.append(continuation)
                startFlushIfIdle()
            }
        case .batched:
            startFlushIfIdle()
        }
    }

    private func appendCheckpoint() {
        guard let head = lastLink else { return }
        do {
            let checkpoint = try Checkpoint.sign(head: head, at: Date(), with: identity.signingKey)
            SpoolRecord.checkpoint(checkpoint).appendFramed(to: &pending)
            checkpointsSigned += 1
        } catch {
            logger.error("cannot sign checkpoint", metadata: ["error": "\(error)"])
        }
        eventsSinceCheckpoint = 0
        lastCheckpointAt = .now
    }

    private func onTimer() async {
        guard !closed else { return }
        if eventsSinceCheckpoint > 0, ContinuousClock.now - lastCheckpointAt >= configuration.checkpointInterval {
            appendCheckpoint()
        }
        if case .batched(let interval) = configuration.durability, ContinuousClock.now - lastSync >= interval, hasUnsyncedBytes || !pending.isEmpty {
            syncRequested = true
        }
        if case .failing = health, ContinuousClock.now - lastFailureAt >= configuration.retryInterval {
            syncRequested = true
        }
        if syncRequested || (!pending.isEmpty && configuration.durability == .strict) { startFlushIfIdle() }
    }

    // MARK: - Flushing

    private func startFlushIfIdle() {
        guard !flushing else { return }
        flushing = true
        Task { await self.flush() }
    }

    /// Writes the queue and fsyncs, repeatedly, until nothing is left; one runs at a time.
    private func flush() async {
        flushing = true
        defer {
            flushing = false
            for waiter in idleWaiters { waiter.resume() }
            idleWaiters.removeAll()
        }
        while !pending.isEmpty || syncRequested || !pendingWaiters.isEmpty {
            let bytes = pending
            let waiters = pendingWaiters
            pending = []
            pendingWaiters = []
            let mustSync: Bool
            switch configuration.durability {
            case .strict: mustSync = true
            case .batched(let interval): mustSync = syncRequested || ContinuousClock.now - lastSync >= interval
            }
            syncRequested = false
            let nextSeq = chain.nextSeq
            let head = chain.head
            let writer = self.writer
            for waiter in spaceWaiters { waiter.resume() }
            spaceWaiters.removeAll()
            do {
                let position: SpoolPosition? = try await NIOThreadPool.singleton.runIfActive {
                    if !bytes.isEmpty { try writer.write(bytes) }
                    guard mustSync else { return nil }
                    try writer.sync()
                    try writer.rollIfFull(nextSeq: nextSeq, head: head)
                    return writer.durable
                }
                if let position {
                    lastSync = .now
                    hasUnsyncedBytes = false
                    advanceDurable(to: position)
                } else if !bytes.isEmpty {
                    hasUnsyncedBytes = true
                }
                if case .failing = health {
                    logger.notice("audit spool writable again")
                    health = .healthy
                }
                for waiter in waiters { waiter.resume() }
            } catch {
                // Keep the events (nothing is lost), refuse new ones, and try again on the timer.
                pending = bytes + pending
                let why = "\(error)"
                if health == .healthy { logger.error("audit spool failed; refusing new events", metadata: ["error": "\(why)"]) }
                health = .failing(why)
                lastFailureAt = .now
                for waiter in waiters { waiter.resume(throwing: AuditPipelineError.spoolUnavailable(why)) }
                for waiter in spaceWaiters { waiter.resume() }
                spaceWaiters.removeAll()
                return
            }
        }
    }

    private func advanceDurable(to position: SpoolPosition) {
        guard position > durable else { return }
        durable = position
        var keep: [(after: SpoolPosition, continuation: CheckedContinuation<SpoolPosition, Never>)] = []
        for waiter in durableWaiters {
            if position > waiter.after { waiter.continuation.resume(returning: position) } else { keep.append(waiter) }
        }
        durableWaiters = keep
    }
}
