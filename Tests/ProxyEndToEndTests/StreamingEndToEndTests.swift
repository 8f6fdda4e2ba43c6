import Foundation
import KubeAPI
import KubetrailTestSupport
import Testing

/// Long-running responses through the proxy: a watch and `logs -f` stream as the cluster sends, and
/// the trail has RequestReceived, then ResponseStarted while the stream runs, then ResponseComplete.
@Suite(.serialized) struct StreamingEndToEndTests {
    /// Polls `output` until `condition` holds (at most `timeout`).
    static func waitFor(_ timeout: Duration = .seconds(20), _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            if ContinuousClock.now > deadline { return false }
            try await Task.sleep(for: .milliseconds(100))
        }
        return true
    }

    /// The three stages of one audit id, in the order they were written.
    static func stages(_ events: [JSONValue], auditID: JSONValue?) -> [String] {
        events.filter { $0["auditID"] == auditID }
            .sorted { ($0["seq"]?.intValue ?? 0) < ($1["seq"]?.intValue ?? 0) }
            .compactMap { $0["stage"]?.stringValue }
    }

    @Test func aWatchSeesAnObjectCreatedAfterItStarted() async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        let watcher = try rig.startKubectl("alice", ["get", "pods", "--watch-only", "--output-watch-events"])
        defer { watcher.signal(SIGTERM) }
        // The watch is open once its ResponseStarted is in the trail, and it is there before it ends.
        let open = try await rig.events { events in events.contains { $0["verb"] == "watch" && $0["stage"] == "ResponseStarted" } }
        let started = try #require(open.first { $0["verb"] == "watch" && $0["stage"] == "ResponseStarted" }, "no ResponseStarted for the watch")
        #expect(!open.contains { $0["auditID"] == started["auditID"] && $0["stage"] == "ResponseComplete" })

        #expect(try await rig.kubectl("alice", ["run", "late-comer", "--image=nginx"]).status == 0)
        let seen = try await Self.waitFor { watcher.output().contains("ADDED") && watcher.output().contains("late-comer") }
        #expect(seen, "the watch did not show the new pod: \(watcher.output()) \(watcher.errors())")

        watcher.signal(SIGTERM)
        _ = await watcher.wait(timeout: .seconds(10))
        let events = try await rig.events { events in events.contains { $0["auditID"] == started["auditID"] && $0["stage"] == "ResponseComplete" } }
        #expect(Self.stages(events, auditID: started["auditID"]) == ["RequestReceived", "ResponseStarted", "ResponseComplete"])
        let complete = events.first { $0["auditID"] == started["auditID"] && $0["stage"] == "ResponseComplete" }
        #expect(complete?["status"] == .int(200))
        #expect((complete?["bytesOut"]?.intValue ?? 0) > 0)
    }

    @Test func aClientLeavingAnIdleWatchCompletesItsEvent() async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        // Nothing changes in the watched resource, so the proxy has nothing to write: it must learn
        // from the connection itself that kubectl is gone.
        let watcher = try rig.startKubectl("alice", ["get", "configmaps", "--watch-only"])
        defer { watcher.signal(SIGTERM) }
        let open = try await rig.events { events in events.contains { $0["verb"] == "watch" && $0["stage"] == "ResponseStarted" } }
        let started = try #require(open.first { $0["verb"] == "watch" && $0["stage"] == "ResponseStarted" })
        watcher.signal(SIGKILL)
        _ = await watcher.wait(timeout: .seconds(10))
        let events = try await rig.events { events in events.contains { $0["auditID"] == started["auditID"] && $0["stage"] == "ResponseComplete" } }
        #expect(Self.stages(events, auditID: started["auditID"]) == ["RequestReceived", "ResponseStarted", "ResponseComplete"],
                "the watch's end is in the trail within seconds, not when the cluster times the watch out")
    }

    /// kube-apiserver takes any value but 0 and false for a watch (`?watch=yes`, `?watch=t`): the
    /// proxy must too, or it would treat the watch as a bounded list and hold each event back
    /// until the next one came. Curl, not kubectl, so the spelling is the test's.
    @Test func aWatchSpelledAnyWayTheAPIServerAcceptsStreamsAtOnce() async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        #expect(try await rig.kubectl("alice", ["run", "first", "--image=nginx"]).status == 0)
        let base = rig.proxyURL + "/clusters/emu/api/v1/namespaces/default"
        for target in ["/pods?watch=yes", "/pods?watch=t&watch=false"] {
            let watch = try ChildProcess("curl", [
                "-sSN", "--http2", "--cacert", rig.directory + "/ca/ca.crt", "--cert", rig.directory + "/alice/alice.crt",
                "--key", rig.directory + "/alice/alice.key", base + target,
            ])
            defer { watch.signal(SIGKILL) }
            // The existing pod's ADDED event is the only one: nothing follows it to push it out.
            let seen = try await Self.waitFor(.seconds(10)) { watch.output().contains("\"ADDED\"") && watch.output().contains("\"first\"") }
            #expect(seen, "\(target): the watch's first event was held back: \(watch.output()) \(watch.errors())")
            watch.signal(SIGKILL)
            _ = await watch.wait(timeout: .seconds(10))  // reaped, not left a zombie of the test process
        }
    }

    @Test func logsFollowStreamsLinesAsTheyCome() async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        #expect(try await rig.kubectl("alice", ["run", "chatty", "--image=nginx"]).status == 0)
        #expect(try await rig.kubectl("alice", ["wait", "--for=condition=Ready", "pod/chatty", "--timeout=10s"]).status == 0)
        let follower = try rig.startKubectl("alice", ["logs", "-f", "chatty", "--tail=1"])
        defer { follower.signal(SIGTERM) }
        func lines() -> Int { follower.output().split(separator: "\n").count }
        #expect(try await Self.waitFor { lines() >= 1 }, "no first line: \(follower.errors())")
        let first = lines()
        // The emulator adds a line a second: they arrive while the request is still open.
        #expect(try await Self.waitFor(.seconds(10)) { lines() >= first + 2 }, "lines did not keep coming: \(follower.output())")
        var status: Int32 = 0
        #expect(waitpid(follower.pid, &status, WNOHANG) == 0, "kubectl logs -f is still following")

        let open = try await rig.events { events in events.contains { $0["subresource"] == "log" && $0["stage"] == "ResponseStarted" } }
        let started = try #require(open.first { $0["subresource"] == "log" && $0["stage"] == "ResponseStarted" })
        #expect(!open.contains { $0["auditID"] == started["auditID"] && $0["stage"] == "ResponseComplete" })
        follower.signal(SIGTERM)
        _ = await follower.wait(timeout: .seconds(10))
        let events = try await rig.events { events in events.contains { $0["auditID"] == started["auditID"] && $0["stage"] == "ResponseComplete" } }
        #expect(Self.stages(events, auditID: started["auditID"]) == ["RequestReceived", "ResponseStarted", "ResponseComplete"])
        // A plain `logs` (no follow) is not long-running: no ResponseStarted.
        #expect(try await rig.kubectl("alice", ["logs", "chatty", "--tail=1"]).status == 0)
        let plain = try await rig.events { events in events.filter { $0["subresource"] == "log" && $0["stage"] == "ResponseComplete" }.count >= 2 }
        let last = try #require(plain.first { $0["subresource"] == "log" && $0["stage"] == "ResponseComplete" && $0["auditID"] != started["auditID"] })
        #expect(Self.stages(plain, auditID: last["auditID"]) == ["RequestReceived", "ResponseComplete"])
    }
}
