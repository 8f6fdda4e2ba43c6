import Foundation
import KubeAPI
import KubetrailTestSupport
import Testing

/// `kubectl exec` through the proxy is recorded inside (stdin, stdout, stderr, exit) and
/// `kubetrail replay` plays it back, over WebSocket and SPDY.
@Suite(.serialized) struct SessionRecordingEndToEndTests {
    @Test(arguments: ProxyUpgradeTests.transports)
    func anExecIsRecordedAndReplays(environment: [String: String]) async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        try await ProxyUpgradeTests().readyPod(rig)
        let exec = try await rig.kubectl("alice", ["exec", "-i", "web", "--", "sh", "-c", "read line; echo got $line; echo oops >&2; exit 3"],
                                         stdin: "typed-word\n", environment: environment)
        #expect(exec.status == 3, "\(exec)")
        #expect(exec.stdout == "got typed-word\n")

        // The recording is written on its own task: wait for the session's end event.
        let events = try await rig.events { $0.contains { $0["kind"] == "session_end" } }
        let end = try #require(events.first { $0["kind"] == "session_end" }, "no session_end event")
        let session = try #require(end["session"]?.stringValue)
        #expect(events.contains { $0["kind"] == "session_start" && $0["session"] == end["session"] && $0["user"] == "alice" })
        #expect(events.contains { $0["kind"] == "session_chunk" && $0["session"] == end["session"] })
        let request = try #require(events.first { $0["subresource"] == "exec" && $0["stage"] == "RequestReceived" })
        #expect(request["session"] == end["session"], "the exec request and its recording share the session id")
        #expect(session == request["auditID"]?.stringValue)
        try Self.expectClosingEvent(after: end, in: events)

        let kubetrail = Repository.product("kubetrail")
        let text = try await ProxyRig.run(kubetrail, ["replay", session, "--database-url", rig.databaseURL])
        #expect(text.stdout.contains("pod default/web"), "\(text.stdout)")
        #expect(text.stdout.contains("«typed-word↵»"), "what was typed is in the transcript: \(text.stdout)")
        #expect(text.stdout.contains("got typed-word\n"))
        #expect(text.stdout.contains("oops\n"))
        #expect(text.stdout.hasSuffix("# ended: exited, exit code 3\n"), "\(text.stdout)")

        let json = try await ProxyRig.run(kubetrail, ["replay", session, "--format", "json", "--database-url", rig.databaseURL])
        let lines = try json.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        let frames = lines.filter { $0["stream"] != nil }
        #expect(frames.contains { $0["stream"] == "stdin" && $0["data"] == "typed-word\n" && $0["direction"] == "fromClient" })
        #expect(frames.contains { $0["stream"] == "stderr" && $0["data"] == "oops\n" })
        let offsets = frames.compactMap { $0["offset"]?.intValue }
        #expect(offsets == offsets.sorted() && offsets.count == frames.count)
        #expect(lines.last?["exitCode"] == "3")

        let cast = try await ProxyRig.run(kubetrail, ["replay", session, "--format", "asciicast", "--database-url", rig.databaseURL])
        let castLines = cast.stdout.split(separator: "\n").map(String.init)
        #expect(try JSONParser.parse(castLines[0])["version"] == 2)
        let castEvents = try castLines.dropFirst().map { try JSONParser.parse($0).arrayValue ?? [] }
        #expect(castEvents.contains { $0.count == 3 && $0[1] == "o" && $0[2] == "got typed-word\n" })
        #expect(castEvents.contains { $0.count == 3 && $0[1] == "i" && $0[2] == "typed-word\n" })

        // The recording is part of the chained trail.
        let verified = try await ProxyRig.run(kubetrail, ["verify", "--database-url", rig.databaseURL])
        #expect(verified.status == 0, "\(verified)")
    }

    @Test(arguments: ProxyUpgradeTests.transports)
    func aKilledClientLeavesACompletePartialRecording(environment: [String: String]) async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        try await ProxyUpgradeTests().readyPod(rig)
        let exec = try ChildProcess("kubectl", ["--kubeconfig", rig.directory + "/alice/kubeconfig", "--cache-dir", rig.directory + "/cache-alice",
                                                "exec", "web", "--", "sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done"],
                                    environment: environment)
        defer { exec.signal(SIGKILL) }
        try await ReloadEndToEndTests.waitFor("ticks") { exec.output().contains("tick 20\n") }
        exec.signal(SIGKILL)
        _ = await exec.wait(timeout: .seconds(10))
        let seen = exec.output()

        // The session ends in the trail as the client left it, with everything the client saw.
        // The recording is written on its own task: wait for the session's end event.
        let events = try await rig.events { $0.contains { $0["kind"] == "session_end" } }
        let end = try #require(events.first { $0["kind"] == "session_end" }, "no end event after the client was killed")
        let session = try #require(end["session"]?.stringValue)
        let replay = try await ProxyRig.run(Repository.product("kubetrail"), ["replay", session, "--database-url", rig.databaseURL])
        #expect(replay.stdout.hasSuffix("# ended: client closed\n"), "\(replay.stdout.suffix(300))")
        // The last whole line the client printed (it may have died mid-line).
        let whole = seen.hasSuffix("\n") ? seen : String(seen[..<(seen.lastIndex(of: "\n") ?? seen.startIndex)])
        let lastSeen = try #require(whole.split(separator: "\n").last)
        #expect(replay.stdout.contains("tick 0\n") && replay.stdout.contains(lastSeen + "\n"), "the replay lacks \(lastSeen)")
        let verified = try await ProxyRig.run(Repository.product("kubetrail"), ["verify", "--database-url", rig.databaseURL])
        #expect(verified.status == 0, "\(verified)")
    }

    @Test func theOfficialPythonClientsExecIsRecorded() async throws {
        // It sends stdin as WebSocket text messages, which the kubelet reads like binary ones.
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        try await ProxyUpgradeTests().readyPod(rig)
        let script = """
            import sys
            from kubernetes import client, config
            from kubernetes.stream import stream
            config.load_kube_config(config_file=sys.argv[1])
            ws = stream(client.CoreV1Api().connect_get_namespaced_pod_exec, "web", "default", command=["sh", "-c", "read l; echo got $l"],
                        stdin=True, stdout=True, stderr=True, tty=False, _preload_content=False)
            ws.write_stdin("from-python\\n")
            out = ""
            while ws.is_open():
                ws.update(timeout=1)
                if ws.peek_stdout():
                    out += ws.read_stdout()
            print(out, end="")
            """
        let path = rig.directory + "/exec.py"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let ran = await (try ChildProcess("python3", [path, rig.directory + "/alice/kubeconfig"])).wait(timeout: .seconds(60))
        #expect(ran.status == 0 && ran.stdout == "got from-python\n", "\(ran)")
        // The recording is written on its own task: wait for the session's end event.
        let events = try await rig.events { $0.contains { $0["kind"] == "session_end" } }
        let session = try #require(events.first { $0["kind"] == "session_end" }?["session"]?.stringValue, "no session_end event")
        let replay = try await ProxyRig.run(Repository.product("kubetrail"), ["replay", session, "--database-url", rig.databaseURL])
        #expect(replay.stdout.contains("«from-python↵»") && replay.stdout.contains("got from-python\n"), "\(replay.stdout)")
        #expect(replay.stdout.hasSuffix("# ended: exited, exit code 0\n"), "\(replay.stdout)")
    }

    /// Real kubectl through the proxy: `sessions` lists the exec and its kubectl run, and the
    /// run replays as a timeline leading to the exec's recording.
    @Test func sessionsListsAnExecAndItsKubectlRun() async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        try await ProxyUpgradeTests().readyPod(rig)
        let exec = try await rig.kubectl("alice", ["exec", "-i", "web", "--", "sh", "-c", "read line; echo got $line; exit 2"], stdin: "word\n")
        #expect(exec.status == 2, "\(exec)")
        let events = try await rig.events { $0.contains { $0["kind"] == "session_end" } }
        let session = try #require(events.first { $0["kind"] == "session_end" }?["session"]?.stringValue)

        let kubetrail = Repository.product("kubetrail")
        let listed = try await ProxyRig.run(kubetrail, ["sessions", "--format", "json", "--database-url", rig.databaseURL])
        let rows = try listed.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        let execRow = try #require(rows.first { $0["id"]?.stringValue == session }, "\(listed.stdout)")
        #expect(execRow["kind"] == "exec")
        #expect(execRow["user"] == "alice")
        #expect(execRow["outcome"] == "exit 2")
        #expect(execRow["target"]?.stringValue?.hasPrefix("default/web: sh -c") == true, "\(execRow)")
        let run = try #require(rows.first { $0["kind"] == "api" && $0["target"] == "kubectl exec" }, "\(listed.stdout)")
        #expect((run["requests"]?.intValue ?? 0) >= 2, "the pod lookup and the exec: \(run)")
        let runID = try #require(run["id"]?.stringValue)

        let timeline = try await ProxyRig.run(kubetrail, ["replay", runID, "--database-url", rig.databaseURL])
        #expect(timeline.stdout.contains("→ GET /clusters/emu/api/v1/namespaces/default/pods/web\n"), "\(timeline.stdout)")
        #expect(timeline.stdout.contains("(interactive session: kubetrail replay \(session))"), "\(timeline.stdout)")
        let replay = try await ProxyRig.run(kubetrail, ["replay", session, "--database-url", rig.databaseURL])
        #expect(replay.stdout.contains("got word\n"), "\(replay.stdout)")
    }

    @Test func aSessionOpenWhenTheProxyStopsEndsInTheTrail() async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        try await ProxyUpgradeTests().readyPod(rig)
        let exec = try rig.kubectlInBackground("alice", ["exec", "web", "--", "sh", "-c", "echo started; sleep 60"])
        defer { exec.signal(SIGKILL) }
        try await ReloadEndToEndTests.waitFor("the exec to start") { exec.output().contains("started") }

        rig.proxy.signal(SIGTERM)
        let stopped = await rig.proxy.wait(timeout: .seconds(30))
        #expect(stopped.status == 0, "\(stopped)")
        // The trail outlives the proxy: the session has its output and an end event saying why it ended.
        let events = try await rig.events(atLeast: 1)
        let end = try #require(events.first { $0["kind"] == "session_end" }, "no end event for the session cut by SIGTERM")
        let session = try #require(end["session"]?.stringValue)
        try Self.expectClosingEvent(after: end, in: events)
        let replay = try await ProxyRig.run(Repository.product("kubetrail"), ["replay", session, "--database-url", rig.databaseURL])
        #expect(replay.stdout.contains("started\n"), "\(replay.stdout)")
        #expect(replay.stdout.hasSuffix("# ended: proxy stopping\n"), "\(replay.stdout)")
        let verified = try await ProxyRig.run(Repository.product("kubetrail"), ["verify", "--database-url", rig.databaseURL])
        #expect(verified.status == 0)
    }

    /// The exec request's own ResponseComplete (101, with the session's byte counts) is in the
    /// trail right after the session's end event: written by the recording task, which a stopping
    /// proxy waits for, not on a task of its own that could race the end event or be lost.
    static func expectClosingEvent(after end: JSONValue, in events: [JSONValue]) throws {
        let closing = try #require(events.first {
            $0["kind"] == "request" && $0["subresource"] == "exec" && $0["stage"] == "ResponseComplete" && $0["session"] == end["session"]
        }, "no ResponseComplete for the exec request")
        #expect(closing["status"] == 101)
        #expect(closing["writer"] == end["writer"])
        let closingSeq = try #require(closing["seq"]?.intValue)
        let endSeq = try #require(end["seq"]?.intValue)
        #expect(closingSeq > endSeq, "the request's ResponseComplete follows the session's end event")
        #expect(closing["bytesIn"] == end["bytesIn"] && closing["bytesOut"] == end["bytesOut"])
    }
}
