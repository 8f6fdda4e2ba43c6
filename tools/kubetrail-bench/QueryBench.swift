import ArgumentParser
import Audit
import AuditSynthetic
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// `tools/bench query`: loads a realistic trail through the pipeline, then times the auditor's questions.
struct QueryBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Load N synthetic events (2,000 users, 200 clusters, 90 days, 5 % denials, 2 % writes) through the pipeline, then time who, query and export, warm."
    )

    @Option(help: "Admin PostgreSQL URL; the trail goes into database kt_bench_query.")
    var databaseURL: String

    @Option(help: "Events to load.")
    var events = 10_000_000

    @Option(help: "Events to export.")
    var exportEvents = 1_000_000

    @Flag(help: "Keep an already loaded kt_bench_query of the right size instead of loading again.")
    var reuse = false

    @Option(help: "Connections an export reads slices over at once.")
    var exportWorkers = 2

    @Option(help: "Timed runs per question (after one warm-up).")
    var runs = 5

    static let start = Date(timeIntervalSince1970: 1_790_000_000)
    static let span: TimeInterval = 90 * 86_400

    var shape: SyntheticTrail.Shape {
        var shape = SyntheticTrail.Shape()
        shape.start = Self.start
        shape.span = Self.span
        shape.spreadOver = events
        return shape
    }

    func run() async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let admin = try DatabaseURL(databaseURL)
        var url = admin
        url.database = "kt_bench_query"
        let loaded: Int64 = (try? await url.withClient(logger: logger) { try await Self.count($0) }) ?? -1
        if !(reuse && loaded == Int64(events)) {
            try await admin.withClient(logger: logger) { try await $0.query("DROP DATABASE IF EXISTS kt_bench_query WITH (FORCE)") }
            try await admin.withClient(logger: logger) { try await $0.query("CREATE DATABASE kt_bench_query") }
            _ = try await url.withClient(logger: logger) { try await Migrator(logger: logger).migrate($0) }
            try await load(url, logger: logger)
        } else {
            print("reusing kt_bench_query with \(loaded) events")
            // A trail loaded before a new migration gets it now, as `kubetrail migrate` would.
            let applied = try await url.withClient(logger: logger) { try await Migrator(logger: logger).migrate($0) }
            if !applied.applied.isEmpty { print("applied \(applied.applied.joined(separator: ", "))") }
        }
        try await url.withClient(logger: logger) { client in
            try await client.query("VACUUM ANALYZE kubetrail.audit_events", logger: logger)
            let end = Self.start.addingTimeInterval(Self.span)
            var who = AuditFilter()
            who.clusters = ["cluster-17"]
            who.since = end.addingTimeInterval(-30 * 86_400)
            var user = AuditFilter()
            user.users = ["user-42@example.com"]
            user.since = end.addingTimeInterval(-7 * 86_400)
            var deletes = AuditFilter()
            deletes.namespaces = ["ns-7"]
            deletes.verbs = ["delete"]
            try await time("who --cluster cluster-17 --since 30d", client) { c in
                var n = 0
                try await AccessSummaryQuery(filter: who).run(on: c) { _ in n += 1 }
                return n
            }
            try await time("query --user user-42 --since 7d", client) { c in
                var n = 0
                try await AuditQuery(filter: user, limit: nil).run(on: c) { _ in n += 1 }
                return n
            }
            try await time("query --namespace ns-7 --verb delete", client) { c in
                var n = 0
                try await AuditQuery(filter: deletes, limit: nil).run(on: c) { _ in n += 1 }
                return n
            }
            // Export: the oldest `exportEvents` events' time range, formatted as JSON lines.
            var range = AuditFilter()
            range.since = Self.start
            range.until = Self.start.addingTimeInterval(Self.span * Double(exportEvents) / Double(events))
            do {
                // The same rows without formatting: what reading and decoding alone cost.
                let began = ContinuousClock.now
                let cpu = try await CPUTime.now(client)
                var n = 0
                try await AuditQuery(filter: range, order: .oldestFirst).run(on: client) { _ in n += 1 }
                let seconds = (ContinuousClock.now - began).seconds
                let used = try await CPUTime.now(client).perEvent(since: cpu, n)
                print(String(format: "read and decode %d events (no output): %.1f s, %.0f events/s; ", n, seconds, Double(n) / seconds) + used)
            }
            for format in [AuditRecordFormat.json, .k8sAudit] {
                // As `kubetrail export` does it: slices read at once, lines in order, into a sink
                // that only counts (the output is not the question here).
                let began = ContinuousClock.now
                let cpu = try await CPUTime.now(client)
                let bytes = ByteCount()
                let n = try await AuditExport(filter: range, format: format, workers: exportWorkers).run(on: client) { bytes.add($0.count) }
                let seconds = (ContinuousClock.now - began).seconds
                let used = try await CPUTime.now(client).perEvent(since: cpu, n)
                print(String(format: "export --format %@ of %d events (%d workers): %.1f s, %.0f events/s, %.0f MB; ", format.rawValue as NSString, n, exportWorkers, seconds, Double(n) / seconds, Double(bytes.total) / 1e6) + used)
            }
        }
    }

    static func count(_ client: PostgresClient) async throws -> Int64 {
        for try await n in try await client.query("SELECT count(*) FROM kubetrail.audit_events").decode(Int64.self) { return n }
        return 0
    }

    func time(_ name: String, _ client: PostgresClient, _ body: (PostgresClient) async throws -> Int) async throws {
        _ = try await body(client)  // warm-up
        var times: [Double] = []
        var rows = 0
        for _ in 0..<runs {
            let began = ContinuousClock.now
            rows = try await body(client)
            times.append((ContinuousClock.now - began).seconds * 1000)
        }
        times.sort()
        print(String(format: "%-42@ %6d rows  median %7.1f ms  best %7.1f ms  worst %7.1f ms", name as NSString, rows, times[times.count / 2], times[0], times[times.count - 1]))
    }

    /// Through the same path the proxy uses: producers record, the shipper COPYs.
    func load(_ url: DatabaseURL, logger: Logger) async throws {
        let spool = NSTemporaryDirectory() + "kubetrail-bench-query-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let pipeline = try AuditPipeline(
            configuration: .init(spoolDirectory: spool, durability: .batched(syncInterval: .milliseconds(100))),
            identity: try WriterIdentity.loadOrCreate(in: spool), logger: logger)
        await pipeline.start()
        let total = events
        let shape = self.shape
        let began = ContinuousClock.now
        try await url.withClient(logger: logger) { client in
            let shipper = try AuditShipper(pipeline: pipeline, store: AuditStore(client: client, logger: logger), logger: logger)
            async let shipping: Void = shipper.run()
            let producers = 8
            try await withThrowingTaskGroup(of: Void.self) { group in
                for p in 0..<producers {
                    group.addTask {
                        var trail = SyntheticTrail(seed: UInt64(p) &+ 77, shape: shape)
                        for i in stride(from: p, to: total, by: producers) { try await pipeline.record(trail.next(index: i)) }
                    }
                }
                try await group.waitForAll()
            }
            await pipeline.shutdown()
            try await shipping
        }
        let seconds = (ContinuousClock.now - began).seconds
        print(String(format: "loaded %d events through the pipeline in %.0f s (%.0f events/s, generation included)", total, seconds, Double(total) / seconds))
    }
}

/// Bytes written, counted from whichever task writes.
final class ByteCount: Sendable {
    private let count = Mutex(0)
    var total: Int { count.withLock { $0 } }
    func add(_ n: Int) { count.withLock { $0 += n } }
}
