import ArgumentParser
import Audit
import AuditSynthetic
import Foundation
import Logging
import PostgresNIO

/// `tools/bench audit`: compression choices, the raw batched-INSERT rate, and the whole pipeline.
struct AuditBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Measure the audit pipeline against a raw batched INSERT of the same rows, in one run."
    )

    @Option(help: "Admin PostgreSQL URL; each phase uses its own fresh database on that server.")
    var databaseURL: String

    @Option(help: "Events per phase.")
    var events = 300_000

    @Option(help: "Concurrent producers calling record().")
    var producers = 64

    @Option(help: "Rows per insert statement.")
    var batchSize = 5000

    @Flag(help: "Also measure strict durability (fsync before each record() returns).")
    var strict = false

    func run() async throws {
        let admin = try DatabaseURL(databaseURL)
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        print("generating \(events) synthetic events…")
        var trail = SyntheticTrail(seed: 2026)
        let generated = (0..<events).map { trail.next(index: $0) }
        let canonical = generated.map(CanonicalEventEncoding.encode)
        let avgCanonical = canonical.reduce(0) { $0 + $1.count } / canonical.count
        let bodies = generated.filter { $0.requestBody != nil || $0.responseBody != nil }.count
        print("events: \(events), canonical size \(avgCanonical) B on average, \(bodies) with a body (\(bodies * 100 / events)%)")

        try compressionStudy(generated)

        var rawRates: [AuditStore.InsertMethod: Double] = [:]
        for method in AuditStore.InsertMethod.allCases {
            rawRates[method] = try await rawInsert(generated, method: method, admin: admin, logger: logger)
            print(String(format: "raw batched insert, %@ of %d rows, no pipeline: %.0f rows/s", method.rawValue as NSString, batchSize, rawRates[method]!))
        }
        let raw = rawRates[.copy]!
        let batched = try await pipeline(generated, admin: admin, durability: .batched(syncInterval: .milliseconds(100)), logger: logger)
        print(String(format: "pipeline, batched durability (%d producers → chain → spool → shipper → PostgreSQL): %.0f events/s (%.2f× raw COPY)", producers, batched, batched / raw))
        if strict {
            let strictRate = try await pipeline(generated, admin: admin, durability: .strict, logger: logger)
            print(String(format: "pipeline, strict durability: %.0f events/s (%.2f× raw COPY)", strictRate, strictRate / raw))
        }
    }

    /// One-shot vs reused stream vs preset dictionary, on the same events.
    func compressionStudy(_ events: [AuditEvent]) throws {
        var chain = HashChain(writerID: "bench")
        let records = events.prefix(50_000).map { chain.append(canonicalEvent: CanonicalEventEncoding.encode($0)).record }
        let raw = records.reduce(0) { $0 + $1.count }
        print("compression of \(records.count) chain records (\(raw / records.count) B each on average):")
        func measure(_ name: String, _ compress: ([UInt8]) throws -> [UInt8]) rethrows {
            let start = ContinuousClock.now
            var total = 0
            for record in records { total += try compress(record).count }
            let seconds = (ContinuousClock.now - start).seconds
            print(String(format: "  %-36@ %8.0f records/s  %5.0f B/record  (%.1f%% of raw)", name as NSString, Double(records.count) / seconds, Double(total) / Double(records.count), 100 * Double(total) / Double(raw)))
        }
        try measure("one-shot (fresh stream, no dict)") { try ZlibCompressor(dictionary: nil).compress($0) }
        let reused = try ZlibCompressor(dictionary: nil)
        try measure("reused stream (reset, no dict)") { try reused.compress($0) }
        let dict = try ZlibCompressor(dictionary: .standard)
        try measure("reused stream + preset dictionary") { try dict.compress($0) }
        let fast = try ZlibCompressor(level: 1, dictionary: .standard)
        try measure("reused + dictionary, level 1") { try fast.compress($0) }
    }

    func withFreshDatabase<T: Sendable>(_ admin: DatabaseURL, _ name: String, _ body: (DatabaseURL) async throws -> T) async throws -> T {
        try await admin.withClient { try await $0.query("DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)") }
        try await admin.withClient { try await $0.query("CREATE DATABASE \(unescaped: name)") }
        var url = admin
        url.database = name
        _ = try await url.withClient { try await Migrator().migrate($0) }
        let result = try await body(url)
        try await admin.withClient { try await $0.query("DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)") }
        return result
    }

    /// The same rows, chained and compressed beforehand, inserted with nothing else running.
    func rawInsert(_ events: [AuditEvent], method: AuditStore.InsertMethod, admin: DatabaseURL, logger: Logger) async throws -> Double {
        try await withFreshDatabase(admin, "kt_bench_raw_\(method.rawValue)") { url in
            var chain = HashChain(writerID: "bench-raw")
            let compressor = try ZlibCompressor()
            var batches: [AuditRowBatch] = []
            var batch = AuditRowBatch(method: method)
            var chained: [(ChainLink, [UInt8])] = []
            let chainStart = ContinuousClock.now
            for event in events {
                chained.append(chain.append(canonicalEvent: CanonicalEventEncoding.encode(event)))
            }
            let chainTime = (ContinuousClock.now - chainStart).seconds
            let stageStart = ContinuousClock.now
            for (event, (link, record)) in zip(events, chained) {
                try batch.append(link: link, chainRecord: record, requestBody: event.requestBody, responseBody: event.responseBody, compressor: compressor)
                if batch.count == batchSize { batches.append(batch); batch = AuditRowBatch(method: method) }
            }
            if batch.count > 0 { batches.append(batch) }
            let stageTime = (ContinuousClock.now - stageStart).seconds
            print(String(format: "  encode + chain: %.1f µs/event; staging for the statement (columns, body compression): %.1f µs/event", chainTime * 1e6 / Double(events.count), stageTime * 1e6 / Double(events.count)))
            let encodeStart = ContinuousClock.now
            let encodedBatches = batches.map(AuditStore.EncodedRows.init)
            let encode = (ContinuousClock.now - encodeStart).seconds
            print(String(format: "  %@: final encoding of the statement %.1f µs/row", method.rawValue as NSString, encode * 1e6 / Double(events.count)))
            return try await url.withClient(logger: logger) { client in
                let store = AuditStore(client: client, logger: logger)
                for month in Set(batches.flatMap(\.months)) { try await store.ensurePartition(monthStart: month) }
                let start = ContinuousClock.now
                for batch in encodedBatches { try await store.insert(batch) }
                return Double(events.count) / (ContinuousClock.now - start).seconds
            }
        }
    }

    /// Producers record; the clock stops when PostgreSQL has the last event.
    func pipeline(_ events: [AuditEvent], admin: DatabaseURL, durability: AuditPipelineConfiguration.Durability, logger: Logger) async throws -> Double {
        let name = durability == .strict ? "kt_bench_strict" : "kt_bench_batched"
        return try await withFreshDatabase(admin, name) { url in
            let spool = NSTemporaryDirectory() + "kubetrail-bench-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: spool) }
            let identity = try WriterIdentity.loadOrCreate(in: spool)
            let pipeline = try AuditPipeline(configuration: .init(spoolDirectory: spool, durability: durability), identity: identity, logger: logger)
            await pipeline.start()
            return try await url.withClient(logger: logger) { client in
                let shipper = try AuditShipper(pipeline: pipeline, store: AuditStore(client: client, logger: logger), configuration: .init(batchSize: batchSize), logger: logger)
                let start = ContinuousClock.now
                async let shipping: Void = shipper.run()
                let producers = self.producers
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for p in 0..<producers {
                        group.addTask {
                            for i in stride(from: p, to: events.count, by: producers) { try await pipeline.record(events[i]) }
                        }
                    }
                    try await group.waitForAll()
                }
                let recorded = (ContinuousClock.now - start).seconds
                await pipeline.shutdown()
                try await shipping
                let elapsed = (ContinuousClock.now - start).seconds
                let shipped = await shipper.eventsShipped
                guard shipped == UInt64(events.count) else { throw ValidationError("shipped \(shipped) of \(events.count)") }
                print(String(format: "  record() accepted %d events in %.2f s (%.0f/s); all in PostgreSQL after %.2f s", events.count, recorded, Double(events.count) / recorded, elapsed))
                let verifyStart = ContinuousClock.now
                let report = try await ChainVerifier(client: client, logger: logger).verify()
                print(String(format: "  verify: %@ in %.2f s (%.0f events/s)", report.summary as NSString, (ContinuousClock.now - verifyStart).seconds, Double(report.eventsTotal) / (ContinuousClock.now - verifyStart).seconds))
                return Double(events.count) / elapsed
            }
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
