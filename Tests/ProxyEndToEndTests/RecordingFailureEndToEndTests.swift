import Foundation
import KubeAPI
import KubetrailTestSupport
import Testing

/// `on_recording_failure`: what happens to an exec session whose chunks the trail cannot take
/// (the spool's file system fills mid-session).
@Suite(.serialized) struct RecordingFailureEndToEndTests {
    /// Prints a numbered line four times a second for `seconds`, then `done`.
    static func ticking(_ seconds: Int) -> [String] {
        ["exec", "web", "--", "sh", "-c", "i=0; while [ $i -lt \(seconds * 4) ]; do echo tick $i; i=$((i+1)); sleep 0.25; done; echo done"]
    }

    /// The session end events, with their annotations (the k8s-audit format carries them).
    static func sessionEnds(_ rig: ProxyRig) async throws -> [JSONValue] {
        let result = try await ProxyRig.run(Repository.product("kubetrail"), ["query", "--database-url", rig.databaseURL, "--since", "1h", "--format", "k8s-audit"])
        return try result.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
            .filter { $0["annotations"]?["kubetrail.io/kind"] == "session_end" }
    }

    @Test func closeEndsASessionTheTrailCannotRecord() async throws {
        let mount = try await TmpfsMount(size: "256k")
        defer { mount.remove() }
        let rig = try await ProxyRig.start(durability: "strict", spoolDirectory: mount.path)
        defer { rig.stopNow() }
        try await ProxyUpgradeTests().readyPod(rig)
        let started = ContinuousClock.now
        let exec = try rig.kubectlInBackground("alice", Self.ticking(120))
        defer { exec.signal(SIGKILL) }
        try await ReloadEndToEndTests.waitFor("the exec to start") { exec.output().contains("tick 1\n") }

        try await mount.fill()
        // The next chunk cannot be recorded: the proxy ends the session (kubectl's exec fails long
        // before the command's two minutes are up).
        let filled = ContinuousClock.now
        let ended = await exec.wait(timeout: .seconds(40))
        // Ended by the proxy, not killed at the timeout (137).
        #expect(ended.status != 0 && ended.status != 137, "\(ended)")
        #expect(ContinuousClock.now - filled < .seconds(30))
        #expect(ContinuousClock.now - started < .seconds(100))
        #expect(!exec.output().contains("done"))
        #expect(rig.proxy.errors().contains("audit event not recorded"))

        // With room again the proxy serves, and the trail up to the failure verifies.
        try mount.empty()
        var served = false
        for _ in 0..<30 where !served {
            served = try await rig.kubectl("alice", ["get", "pods", "--request-timeout=10s"]).status == 0
            if !served { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(served)
        let verified = try await ProxyRig.run(Repository.product("kubetrail"), ["verify", "--database-url", rig.databaseURL])
        #expect(verified.status == 0, "\(verified)")
    }

    @Test func continueKeepsTheSessionAndItsEndSaysWhatWasLost() async throws {
        let mount = try await TmpfsMount(size: "256k")
        defer { mount.remove() }
        let rig = try await ProxyRig.start(durability: "strict", spoolDirectory: mount.path, audit: "on_recording_failure: continue")
        defer { rig.stopNow() }
        try await ProxyUpgradeTests().readyPod(rig)
        let exec = try rig.kubectlInBackground("alice", Self.ticking(12))
        defer { exec.signal(SIGKILL) }
        try await ReloadEndToEndTests.waitFor("the exec to start") { exec.output().contains("tick 1\n") }

        try await mount.fill()
        try await ReloadEndToEndTests.waitFor("a chunk the trail refused") { rig.proxy.errors().contains("audit event not recorded") }
        try mount.empty()
        // The session ran to its end regardless.
        let ended = await exec.wait(timeout: .seconds(60))
        #expect(ended.status == 0, "\(ended)")
        #expect(exec.output().contains("done\n"))

        var ends: [JSONValue] = []
        for _ in 0..<40 where ends.isEmpty {
            ends = try await Self.sessionEnds(rig)
            if ends.isEmpty { try await Task.sleep(for: .milliseconds(250)) }
        }
        let end = try #require(ends.first, "no session end event")
        let annotations = try #require(end["annotations"])
        #expect(annotations["session.endedBy"] == "exited", "\(annotations)")
        #expect(annotations["session.exitCode"] == "0")
        #expect(Int(annotations["session.chunksLost"]?.stringValue ?? "") ?? 0 >= 1, "\(annotations)")
        #expect(annotations["session.recordingFailure"]?.stringValue?.contains("could not record chunk") == true, "\(annotations)")
        let verified = try await ProxyRig.run(Repository.product("kubetrail"), ["verify", "--database-url", rig.databaseURL])
        #expect(verified.status == 0, "\(verified)")
    }
}
