import Audit
import AuditSynthetic
import Foundation
import KubetrailTestSupport
import Replay
import SessionRecording
import Testing

/// `kubetrail replay` over sessions written through the pipeline: transcripts as before,
/// asciicast times shaped by --max-idle and --speed, API timelines with their bodies, errors.
@Suite(.enabled(if: TestDatabase.enabled)) struct ReplayCommandTests {
    typealias F = SessionTrailFixture

    /// asciicast events as (seconds, code, text).
    static func cast(_ text: String) throws -> (header: [String: Any], events: [(Double, String, String)]) {
        let lines = text.split(separator: "\n").map(String.init)
        let header = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any] ?? [:]
        let events = try lines.dropFirst().map { line -> (Double, String, String) in
            let array = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Any] ?? []
            return ((array[0] as? NSNumber)?.doubleValue ?? -1, array[1] as? String ?? "", array[2] as? String ?? "")
        }
        return (header, events)
    }

    @Test func interactiveAndAPISessions() async throws {
        try await TestDatabase.withFresh { url in
            _ = try await Fixtures.recordAndShip(F.events, spool: try TemporaryDirectory().path, url: url)
            let db = QueryCommandTests.urlText(url)

            // Off a terminal, with no --format: the transcript, as before.
            let text = try runKubetrail(["replay", F.exec.id, "--database-url", db])
            #expect(text.status == 0, "\(text.stderr)")
            #expect(text.stdout.hasPrefix("# session \(F.exec.id): alice on emu, pod default/web"), "\(text.stdout)")
            #expect(text.stdout.contains("«resize 100x30»«ls⏎»ls\r\nfile-a\r\nafter-a-long-pause\r\n"), "\(text.stdout)")
            #expect(text.stdout.hasSuffix("# ended: exited, exit code 3\n"))

            // Original times, then a 2 s idle cap (the 30 s pause plays as 2 s), then twice as fast too.
            let original = try Self.cast(try runKubetrail(["replay", F.exec.id, "--format", "asciicast", "--database-url", db]).stdout)
            #expect(original.header["width"] as? Int == 100)
            #expect(original.events.map(\.0) == [0.5, 0.6, 30.6])
            let capped = try Self.cast(try runKubetrail(["replay", F.exec.id, "--format", "asciicast", "--max-idle", "2", "--database-url", db]).stdout)
            #expect(capped.events.map(\.0) == [0.5, 0.6, 2.6], "\(capped.events)")
            #expect(capped.events.map(\.2) == ["ls\r", "ls\r\nfile-a\r\n", "after-a-long-pause\r\n"])
            let fast = try Self.cast(try runKubetrail(["replay", F.exec.id, "--format", "asciicast", "--max-idle", "2", "--speed", "2", "--database-url", db]).stdout)
            #expect(fast.events.map(\.0) == [0.25, 0.3, 1.3], "\(fast.events)")

            // A session with no end event replays what there is.
            let live = try runKubetrail(["replay", F.live.id, "--database-url", db])
            #expect(live.stdout.contains("still running") && live.stdout.hasSuffix("# ended: unknown\n"), "\(live.stdout)")

            // An API session: its requests as a timeline, bodies decompressed, the exec leading to its recording.
            let run = try runKubetrail(["replay", "run-a", "--database-url", db])
            #expect(run.status == 0, "\(run.stderr)")
            let lines = run.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == "# API session run-a: alice on emu, kubectl exec, from 2026-09-21T14:14:18.000000Z", "\(run.stdout)")
            #expect(lines.contains { $0.hasPrefix("+0.990s") && $0.hasSuffix("→ GET /api/v1/namespaces/default/pods/web") }, "\(run.stdout)")
            #expect(lines.contains { $0.hasPrefix("+1.000s") && $0.contains("← 200 GET /api/v1/namespaces/default/pods/web 10.0 ms") }, "\(run.stdout)")
            #expect(lines.contains(#"             {"kind":"Pod","metadata":{"name":"web"}}"#), "\(run.stdout)")
            #expect(lines.contains { $0.contains("⇄ 101 CREATE /api/v1/namespaces/default/pods/web/exec?command=sh (interactive session: kubetrail replay \(F.exec.id))") },
                    "\(run.stdout)")

            let connection = try runKubetrail(["replay", "conn-b", "--format", "json", "--database-url", db])
            let events = connection.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect(events.count == 3)
            #expect((events[0]["requestBody"] as? [String: Any])?["body"] as? String == #"{"kind":"ConfigMap","data":{"k":"v"}}"#)
            #expect(events[1]["requestBody"] == nil, "shown on arrival, not again on completion")
            #expect(events[2]["code"] as? Int == 403 && events[2]["decision"] as? String == "deny")

            // Clear errors.
            let unknown = try runKubetrail(["replay", "no-such-session", "--database-url", db])
            #expect(unknown.status != 0)
            #expect(unknown.stderr.contains("no recorded session no-such-session"), "\(unknown.stderr)")
            let apiCast = try runKubetrail(["replay", "run-a", "--format", "asciicast", "--database-url", db])
            #expect(apiCast.status != 0 && apiCast.stderr.contains("is an API session"), "\(apiCast.stderr)")
            let badSpeed = try runKubetrail(["replay", F.exec.id, "--speed", "0", "--database-url", db])
            #expect(badSpeed.status != 0 && badSpeed.stderr.contains("--speed must be"), "\(badSpeed.stderr)")
        }
    }

    /// On a terminal the session plays with its timing and answers keys: → jumps over the
    /// exec's 30 s pause at once, the title shows where, the end of the session ends the player;
    /// q quits.
    @Test func thePlayerOnATerminalSeeksAndQuitsOnKeys() async throws {
        try await TestDatabase.withFresh { url in
            _ = try await Fixtures.recordAndShip(F.events, spool: try TemporaryDirectory().path, url: url)
            let arguments = ["replay", F.exec.id, "--database-url", QueryCommandTests.urlText(url)]
            let began = ContinuousClock.now
            let player = try PseudoTerminalProcess(Repository.product("kubetrail"), arguments)
            #expect(player.read { $0.contains("file-a") }, "the first frames play: \(player.text)")
            #expect(!player.text.contains("after-a-long-pause"), "the 30 s pause is played, not skipped")
            for _ in 0..<7 { player.type("\u{1B}[C") }
            #expect(player.read { $0.contains("after-a-long-pause") }, "→ goes past the pause: \(player.text)")
            #expect(ContinuousClock.now - began < .seconds(20), "long before the pause would have ended")
            #expect(player.text.contains("\u{1B}]2;kubetrail replay 0:30 1x\u{07}"), "the title says where: \(player.text.debugDescription)")
            #expect(player.wait() == 0, "the session's end ends the player: \(player.text)")
            #expect(player.text.hasSuffix("# ended: exited, exit code 3\r\n"), "\(player.text.debugDescription)")

            let quitting = try PseudoTerminalProcess(Repository.product("kubetrail"), arguments)
            #expect(quitting.read { $0.contains("file-a") })
            quitting.type(" ")
            #expect(quitting.read { $0.contains("paused") }, "\(quitting.text.debugDescription)")
            quitting.type("q")
            #expect(quitting.wait() == 0)
            #expect(quitting.text.hasSuffix("# quit\r\n"), "\(quitting.text.debugDescription)")
        }
    }

    /// The chunk index finds the chunk holding any offset, and the reader starts there: a seek
    /// reads one chunk, not the ones it skips.
    @Test func seeksGoStraightToTheirChunk() async throws {
        try await TestDatabase.withFresh { url in
            let session = SyntheticSession(startedAt: Date().addingTimeInterval(-300))
            let events = session.events(SyntheticSession.terminalOutput(duration: 120_000_000, interval: 50_000, bytesPerFrame: 2000))
            let chunks = events.filter { $0.kind == .sessionChunk }
            let starts = chunks.compactMap { $0.annotations[SessionAnnotation.firstOffset].flatMap { Int64($0) } }
            #expect(chunks.count > 100)
            _ = try await Fixtures.recordAndShip(events, spool: try TemporaryDirectory().path, url: url)
            try await url.withClient { client in
                let query = SessionRecordingQuery(session: session.id)
                for target: Int64 in [0, 1, 5_000_000, 45_123_456, 119_999_999, 200_000_000] {
                    let key = try await query.chunk(holding: target, on: client)
                    let expected = starts.last { $0 <= target }
                    #expect(key?.offset == expected, "offset \(target)")
                }
                let reader = SessionChunkReader(session: session.id, client: client)
                try await reader.seek(to: 60_000_000)
                guard case .frame(let first) = try await reader.nextStep() else {
                    Issue.record("no frame after the seek")
                    return
                }
                #expect(first.offset == starts.last { $0 <= 60_000_000 })
                #expect(reader.chunksRead == 1)
                var count = 1
                while case .frame = try await reader.nextStep() { count += 1 }
                let expectedFrames = chunks.drop { ($0.annotations[SessionAnnotation.firstOffset].flatMap { Int64($0) } ?? 0) < first.offset }
                    .reduce(0) { $0 + (Int($1.annotations[SessionAnnotation.frames] ?? "") ?? 0) }
                #expect(count == expectedFrames)
                #expect(reader.end != nil)
            }
        }
    }

    /// --follow shows chunks recorded while it runs and stops at the end event: printing into
    /// a pipe, and playing on a terminal.
    @Test(arguments: [false, true]) func followPicksUpNewChunksUntilTheEnd(onTerminal: Bool) async throws {
        try await TestDatabase.withFresh { url in
            let spool = try TemporaryDirectory()
            let pipeline = try Fixtures.pipeline(spool.path)
            await pipeline.start()
            let session = SyntheticSession(startedAt: Date())
            func chunk(_ index: Int, _ text: String, at offset: Int64) -> AuditEvent {
                session.chunkEvent(FrameChunk(index: index, firstOffset: offset, lastOffset: offset, frames: [
                    SessionFrame(offset: offset, stream: .stdout, bytes: Array(text.utf8), direction: .fromCluster),
                ]))
            }
            try await url.withClient { client in
                let shipper = try AuditShipper(pipeline: pipeline, store: AuditStore(client: client, logger: Fixtures.quietLogger),
                                               logger: Fixtures.quietLogger)
                let shipping = Task { try await shipper.run() }
                try await pipeline.record(session.startEvent())
                try await pipeline.record(chunk(0, "first-chunk\n", at: 100_000))
                let query = SessionRecordingQuery(session: session.id)
                try await ReplayCommandTests.waitFor("the first chunk in the database") {
                    try await !query.chunks(from: .first, limit: 1, on: client).isEmpty
                }

                let arguments = ["replay", session.id, "--follow", "--database-url", QueryCommandTests.urlText(url)]
                let replay: (output: () -> String, wait: () async -> (status: Int32?, output: String))
                if onTerminal {
                    let player = try PseudoTerminalProcess(Repository.product("kubetrail"), arguments)
                    replay = ({ player.read(until: { _ in false }, timeout: .milliseconds(100)); return player.text },
                              { (player.wait(timeout: .seconds(20)), player.text) })
                } else {
                    let process = try ChildProcess(Repository.product("kubetrail"), arguments)
                    replay = ({ process.output() }, { let result = await process.wait(timeout: .seconds(20)); return (result.status, result.stdout) })
                }
                try await ReplayCommandTests.waitFor("the first chunk replayed") { replay.output().contains("first-chunk") }
                try await pipeline.record(chunk(1, "second-chunk\n", at: 1_100_000))
                try await ReplayCommandTests.waitFor("the second chunk replayed") { replay.output().contains("second-chunk") }
                try await Task.sleep(for: .seconds(1))
                #expect(!replay.output().contains("# ended"), "it waits for the end event: \(replay.output())")
                try await pipeline.record(session.endEvent(duration: 1_200_000, exitCode: 0, bytesIn: 0, bytesOut: 25, chunks: 2))
                let (status, output) = await replay.wait()
                #expect(status == 0, "\(output)")
                // A terminal turns each "\n" into "\r\n" on output.
                let text = output.replacingOccurrences(of: "\r\n", with: "\n")
                #expect(text.contains("first-chunk\nsecond-chunk\n"), "\(text)")
                #expect(text.hasSuffix("# ended: exited, exit code 0\n"), "\(text)")
                await pipeline.shutdown()
                try await shipping.value
            }
        }
    }

    static func waitFor(_ what: String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw PostgresTestError(description: "timed out waiting for \(what)")
    }
}
