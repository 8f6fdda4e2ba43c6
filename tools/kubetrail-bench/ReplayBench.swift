import ArgumentParser
import Audit
import AuditSynthetic
import Foundation
import Logging
import PostgresNIO
import SessionRecording

/// `tools/bench replay`: a synthetic one-hour, ~100 MB exec session written through the audit
/// pipeline into PostgreSQL, then `kubetrail replay` timed as a process: its first output byte,
/// its first byte after a seek to 45:00, its peak RSS while printing the whole session; and the
/// seek itself (chunk index probe and first page) in process.
struct ReplayBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay start time, seek time and peak memory on a synthetic 1-hour, ~100 MB session."
    )

    @Option(help: "Admin PostgreSQL URL; the session goes into database kt_bench_replay.")
    var databaseURL: String

    @Option(help: "The kubetrail binary to time.")
    var kubetrail = ".build/release/kubetrail"

    @Option(help: "Session length in minutes.")
    var minutes = 60

    @Option(help: "Terminal output per frame, bytes (with one frame every ~37 ms, 1 KiB makes ~100 MB an hour).")
    var frameBytes = 1024

    @Option(help: "Ordinary request events loaded around the session, so the indexes are not all session.")
    var backgroundEvents = 200_000

    @Option(help: "Timed runs per measurement (the median is reported).")
    var runs = 5

    @Flag(help: "Keep an already loaded kt_bench_replay.")
    var reuse = false

    func run() async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let admin = try DatabaseURL(databaseURL)
        var url = admin
        url.database = "kt_bench_replay"
        let existing: String? = reuse ? (try? await url.withClient(logger: logger) { try await Self.sessionID($0) }) ?? nil : nil
        let session: String
        if let existing {
            session = existing
            print("reusing kt_bench_replay, session \(session)")
        } else {
            try await admin.withClient(logger: logger) { try await $0.query("DROP DATABASE IF EXISTS kt_bench_replay WITH (FORCE)") }
            try await admin.withClient(logger: logger) { try await $0.query("CREATE DATABASE kt_bench_replay") }
            _ = try await url.withClient(logger: logger) { try await Migrator(logger: logger).migrate($0) }
            session = try await load(url, logger: logger)
        }
        let duration = Int64(minutes) * 60_000_000
        try await url.withClient(logger: logger) { client in
            try await client.query("VACUUM ANALYZE kubetrail.audit_events", logger: logger)
            for try await (chunks, stored) in try await client.query("""
                SELECT count(*), COALESCE(sum(length(response_body)), 0)::bigint FROM kubetrail.audit_events
                WHERE session_id = \(session) AND kind = 'session_chunk'
                """, logger: logger).decode((Int64, Int64).self) {
                print(String(format: "session %@: %lld chunks, stored as %.1f MB (zlib)", session as NSString, chunks, Double(stored) / 1e6))
            }
            // What the chunk index costs the write path: its expression, once per chunk row inserted.
            var costs: [Double] = []
            for _ in 0..<runs {
                let began = ContinuousClock.now
                for try await _ in try await client.query(
                    "SELECT sum(kubetrail.session_chunk_offset(extras)) FROM kubetrail.audit_events WHERE kind = 'session_chunk'", logger: logger) {}
                costs.append((ContinuousClock.now - began).milliseconds)
            }
            costs.sort()
            print(String(format: "chunk index expression over every chunk row: median %.0f ms (with the scan)", costs[costs.count / 2]))
            // The seek the player makes on ← and →: the chunk index probe, then the first page.
            var rng = SplitMix64(seed: 9)
            var seeks: [Double] = []
            let query = SessionRecordingQuery(session: session)
            for i in 0..<(runs * 20 + 1) {
                let target = Int64(rng.next() % UInt64(duration))
                let began = ContinuousClock.now
                let key = try await query.chunk(holding: target, on: client, logger: logger)
                let page = try await query.chunks(from: key.map { .at($0) } ?? .first, limit: 8, on: client, logger: logger)
                let frames = try page.first.map { try FrameChunkEncoding.decode($0.record.event.responseBody?.bytes ?? []) } ?? []
                precondition(!frames.isEmpty, "no frames at \(target)")
                if i > 0 { seeks.append((ContinuousClock.now - began).milliseconds) }
            }
            seeks.sort()
            // About 100 samples: a p99 would be the worst one, so the worst is what is printed.
            print(String(format: "seek in process (index probe + first page of 8 chunks, decoded), %d random offsets: median %.2f ms, worst %.2f ms",
                         seeks.count, seeks[seeks.count / 2], seeks[seeks.count - 1]))
            let plan = try await Self.explain(client, session: session, logger: logger)
            print("seek plan: \(plan)")
        }
        let db = "postgres://\(url.username):\(url.password ?? "")@\(url.host):\(url.port)/\(url.database)?sslmode=disable"
        let start = try median { try ProcessTiming.firstByte(kubetrail, ["replay", session, "--database-url", db]) }
        print(String(format: "kubetrail replay ID | …: first output byte after %.0f ms (median of %d, process start included)", start, runs))
        let seek = try median { try ProcessTiming.firstByte(kubetrail, ["replay", session, "--from", "45:00", "--database-url", db]) }
        print(String(format: "kubetrail replay ID --from 45:00 | …: first output byte after %.0f ms (median of %d)", seek, runs))
        let whole = try ProcessTiming.complete(kubetrail, ["replay", session, "--database-url", db])
        print(String(format: "kubetrail replay ID > /dev/null (the whole session): %.1f s, %.1f MB written, peak RSS %.1f MB",
                     whole.seconds, Double(whole.bytes) / 1e6, Double(whole.maxRSSKilobytes) / 1024))
        let tail = try ProcessTiming.complete(kubetrail, ["replay", session, "--from", "55:00", "--database-url", db])
        print(String(format: "kubetrail replay ID --from 55:00 > /dev/null (the last 5 minutes): %.1f s, %.1f MB written, peak RSS %.1f MB",
                     tail.seconds, Double(tail.bytes) / 1e6, Double(tail.maxRSSKilobytes) / 1024))
        let cast = try ProcessTiming.complete(kubetrail, ["replay", session, "--format", "asciicast", "--max-idle", "2", "--database-url", db])
        print(String(format: "kubetrail replay ID --format asciicast --max-idle 2 > /dev/null: %.1f s, %.1f MB written, peak RSS %.1f MB",
                     cast.seconds, Double(cast.bytes) / 1e6, Double(cast.maxRSSKilobytes) / 1024))
        for arguments in [["sessions", "--kind", "exec"], ["sessions", "--kind", "api"], ["sessions", "--kind", "api", "--since", "10m"]] {
            let listed = try ProcessTiming.complete(kubetrail, arguments + ["--database-url", db])
            print(String(format: "kubetrail %@: %.2f s", arguments.joined(separator: " ") as NSString, listed.seconds))
        }
        print("session id for tools/bench's terminal measurement: \(session)")
    }

    func median(_ body: () throws -> Double) throws -> Double {
        _ = try body()
        var times = try (0..<runs).map { _ in try body() }
        times.sort()
        return times[times.count / 2]
    }

    static func sessionID(_ client: PostgresClient) async throws -> String? {
        for try await id in try await client.query("SELECT session_id FROM kubetrail.audit_events WHERE kind = 'session_start' LIMIT 1").decode(String.self) {
            return id
        }
        return nil
    }

    static func explain(_ client: PostgresClient, session: String, logger: Logger) async throws -> String {
        let sql = """
            EXPLAIN SELECT kubetrail.session_chunk_offset(extras), seq FROM kubetrail.audit_events
            WHERE session_id = '\(session)' AND kind = 'session_chunk' AND kubetrail.session_chunk_offset(extras) <= 2700000000
            ORDER BY kubetrail.session_chunk_offset(extras) DESC, seq DESC LIMIT 1
            """
        var lines: [String] = []
        for try await line in try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(String.self) {
            if line.contains("Index") || line.contains("Seq Scan") { lines.append(line.trimmingCharacters(in: .whitespaces)) }
        }
        return lines.joined(separator: "; ")
    }

    /// The session (and the background requests) through the pipeline, as the proxy writes them.
    func load(_ url: DatabaseURL, logger: Logger) async throws -> String {
        let spool = NSTemporaryDirectory() + "kubetrail-bench-replay-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let pipeline = try AuditPipeline(
            configuration: .init(spoolDirectory: spool, durability: .batched(syncInterval: .milliseconds(100))),
            identity: try WriterIdentity.loadOrCreate(in: spool), logger: logger)
        await pipeline.start()
        let duration = Int64(minutes) * 60_000_000
        let startedAt = Date().addingTimeInterval(-Double(duration) / 1_000_000 - 60)
        let session = SyntheticSession(startedAt: startedAt)
        let began = ContinuousClock.now
        var frames = 0
        var bytes = 0
        var chunks = 0
        try await url.withClient(logger: logger) { client in
            let shipper = try AuditShipper(pipeline: pipeline, store: AuditStore(client: client, logger: logger), logger: logger)
            async let shipping: Void = shipper.run()
            var shape = SyntheticTrail.Shape()
            shape.start = startedAt
            shape.span = Double(duration) / 1_000_000
            shape.spreadOver = max(1, backgroundEvents)
            var trail = SyntheticTrail(seed: 5, shape: shape)
            var background = 0
            // The session's events as the recorder emits them, with background requests between.
            var chunker = FrameChunker()
            try await pipeline.record(session.startEvent())
            var last: Int64 = 0
            for frame in SyntheticSession.terminalOutput(duration: duration, interval: 37_000, bytesPerFrame: frameBytes) {
                frames += 1
                bytes += frame.bytes.count
                last = frame.offset
                for cut in [chunker.tick(at: frame.offset), chunker.append(frame)] {
                    guard let cut else { continue }
                    try await pipeline.record(session.chunkEvent(cut))
                    chunks += 1
                    let due = Int(Double(backgroundEvents) * Double(cut.lastOffset) / Double(duration))
                    while background < due {
                        try await pipeline.record(trail.next(index: background))
                        background += 1
                    }
                }
            }
            if let cut = chunker.finish() {
                try await pipeline.record(session.chunkEvent(cut))
                chunks += 1
            }
            while background < backgroundEvents {
                try await pipeline.record(trail.next(index: background))
                background += 1
            }
            try await pipeline.record(session.endEvent(duration: last + 1000, exitCode: 0, bytesIn: 0, bytesOut: Int64(bytes), chunks: chunks))
            await pipeline.shutdown()
            try await shipping
        }
        print(String(format: "loaded a %d-minute session (%d frames, %.1f MB, %d chunks) and %d other events through the pipeline in %.0f s",
                     minutes, frames, Double(bytes) / 1e6, chunks, backgroundEvents, (ContinuousClock.now - began).seconds))
        return session.id
    }
}

extension Duration {
    var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
