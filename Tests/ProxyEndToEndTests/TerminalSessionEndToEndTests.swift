import Foundation
import KubeAPI
import KubetrailTestSupport
import Testing

/// A real terminal: tmux runs `kubectl exec -it` through the proxy, keys are typed into it and
/// its window is resized; the replay must show what the terminal showed and what was typed,
/// over WebSocket and over SPDY, and asciinema must read the asciicast.
@Suite(.serialized) struct TerminalSessionEndToEndTests {
    /// A tmux server of the test's own (its own socket), one detached session.
    struct Terminal {
        let socket = "kubetrail-test-" + UUID().uuidString.prefix(8)

        func tmux(_ arguments: [String]) async throws -> ChildProcess.Result {
            await (try ChildProcess("tmux", ["-L", socket] + arguments)).wait(timeout: .seconds(20))
        }

        func screen() async throws -> String { try await tmux(["capture-pane", "-p", "-t", "term"]).stdout }

        func type(_ text: String) async throws {
            _ = try await tmux(["send-keys", "-t", "term", "-l", text])
            _ = try await tmux(["send-keys", "-t", "term", "Enter"])
        }

        func waitFor(_ text: String, timeout: Duration = .seconds(20)) async throws -> String {
            let deadline = ContinuousClock.now + timeout
            var shown = ""
            while ContinuousClock.now < deadline {
                shown = try await screen()
                if shown.contains(text) { return shown }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw TestFailure("the terminal never showed \(text.debugDescription); it shows:\n\(shown)")
        }

        func stop() { ProxyRig.runNow("tmux", ["-L", socket, "kill-server"]) }
    }

    static func shellQuoted(_ word: String) -> String { "'" + word.replacing("'", with: "'\\''") + "'" }

    @Test(arguments: ProxyUpgradeTests.transports)
    func anInteractiveSessionReplaysAsTheTerminalShowedIt(environment: [String: String]) async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        try await ProxyUpgradeTests().readyPod(rig)
        let terminal = Terminal()
        defer { terminal.stop() }

        let kubectl = (["env"] + environment.map { "\($0.key)=\($0.value)" } + [
            "kubectl", "--kubeconfig", rig.directory + "/alice/kubeconfig", "--cache-dir", rig.directory + "/cache-alice",
            "exec", "-it", "web", "--", "sh",
        ]).map(Self.shellQuoted).joined(separator: " ")
        let started = try await terminal.tmux(["new-session", "-d", "-s", "term", "-x", "100", "-y", "30",
                                                "\(kubectl); echo kubectl-exit=$?; sleep 300"])
        #expect(started.status == 0, "\(started)")
        // The shell is up once it answers (its prompt differs between users).
        try await terminal.type("echo ready-$((1+1))")
        _ = try await terminal.waitFor("ready-2")

        try await terminal.type("echo hello-$((6*7))")
        _ = try await terminal.waitFor("hello-42")
        _ = try await terminal.tmux(["resize-window", "-t", "term", "-x", "120", "-y", "40"])
        try await Task.sleep(for: .milliseconds(300))
        try await terminal.type("stty size")
        _ = try await terminal.waitFor("40 120")
        try await terminal.type("exit 7")
        _ = try await terminal.waitFor("kubectl-exit=7")

        // The recording is written on its own task: wait for the session's end event.
        let events = try await rig.events { $0.contains { $0["kind"] == "session_end" } }
        let end = try #require(events.first { $0["kind"] == "session_end" }, "no session_end event")
        let session = try #require(end["session"]?.stringValue)
        let kubetrail = Repository.product("kubetrail")

        // The transcript: what was typed (marked), what the terminal showed, the resize, the exit.
        let text = try await ProxyRig.run(kubetrail, ["replay", session, "--format", "text", "--database-url", rig.databaseURL])
        #expect(text.stdout.contains("«echo hello-$((6*7))"), "\(text.stdout)")
        #expect(text.stdout.contains("hello-42"))
        #expect(text.stdout.contains("«resize 120x40»"), "\(text.stdout)")
        #expect(text.stdout.contains("«stty size"))
        #expect(text.stdout.contains("40 120"))
        #expect(text.stdout.contains("«exit 7"))
        #expect(text.stdout.hasSuffix("# ended: exited, exit code 7\n"), "\(text.stdout)")

        // The frames: the first size came from the terminal (100x30), then the resize.
        let json = try await ProxyRig.run(kubetrail, ["replay", session, "--format", "json", "--database-url", rig.databaseURL])
        let resizes = try json.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
            .filter { $0["stream"] == "resize" }.compactMap { $0["data"]?.stringValue }
        #expect(resizes.first?.contains("100") == true && resizes.first?.contains("30") == true, "\(resizes)")
        #expect(resizes.last?.contains("120") == true && resizes.last?.contains("40") == true, "\(resizes)")

        // kubectl sends the first size after the 101, so the end event carries it.
        let ends = try await RecordingFailureEndToEndTests.sessionEnds(rig)
        #expect(ends.first?["annotations"]?["session.initialSize"] == "100x30", "\(ends)")

        // asciinema itself reads the asciicast and prints the session's output.
        let cast = try await ProxyRig.run(kubetrail, ["replay", session, "--format", "asciicast", "--database-url", rig.databaseURL])
        let castLines = cast.stdout.split(separator: "\n")
        let header = try JSONParser.parse(String(try #require(castLines.first)))
        #expect(header["width"] == 100 && header["height"] == 30, "\(header)")
        #expect(castLines.contains { $0.contains(#""r","120x40""#) }, "\(cast.stdout)")
        let castFile = rig.directory + "/session.cast"
        try cast.stdout.write(toFile: castFile, atomically: true, encoding: .utf8)
        // asciinema reads keys from /dev/tty even for `cat`: script(1) gives it a terminal.
        let played = await (try ChildProcess("script", ["-q", "-e", "-c", "asciinema cat \(Self.shellQuoted(castFile))", "/dev/null"],
                                             stdinPath: "/dev/null")).wait(timeout: .seconds(30))
        #expect(played.status == 0, "\(played)")
        #expect(played.stdout.contains("hello-42") && played.stdout.contains("40 120"), "\(played.stdout)")
    }
}
