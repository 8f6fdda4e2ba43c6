import KubetrailTestSupport
import Foundation
import KubeAPI
import Testing

@testable import KubeEmulator

/// `kubectl port-forward` to an emulated pod: WebSocket-tunnelled SPDY (kubectl's default) and plain SPDY.
@Suite(.serialized) struct PortForwardTests {
    func forward(_ emulator: RunningEmulator, port: Int, environment: [String: String]) async throws -> (ChildProcess, Int) {
        let forwarder = try ChildProcess("kubectl", ["--kubeconfig", emulator.kubeconfig, "--cache-dir", emulator.cacheDirectory,
                                                    "port-forward", "pod/web", ":\(port)"], environment: environment)
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if let line = forwarder.output().split(separator: "\n").first(where: { $0.hasPrefix("Forwarding from 127.0.0.1:") }),
                let local = line.dropFirst("Forwarding from 127.0.0.1:".count).split(separator: " ").first.flatMap({ Int($0) })
            {
                return (forwarder, local)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        forwarder.signal(SIGKILL)
        throw TestFailure("kubectl port-forward did not start: \(forwarder.output()) \(forwarder.errors())")
    }

    @Test(arguments: [[:], ["KUBECTL_PORT_FORWARD_WEBSOCKETS": "false"]])
    func httpThroughAForwardedPort(environment: [String: String]) async throws {
        let emulator = try await RunningEmulator.start()
        _ = try await emulator.kubectlOK(["run", "web", "--image=nginx"])
        _ = try await emulator.kubectlOK(["wait", "--for=condition=Ready", "pod/web", "--timeout=10s"])
        let (forwarder, local) = try await forward(emulator, port: 8080, environment: environment)
        defer { forwarder.signal(SIGTERM) }
        for path in ["/one", "/two"] {
            let response = await (try ChildProcess("curl", ["-s", "-m", "10", "http://127.0.0.1:\(local)\(path)"])).wait(timeout: .seconds(20))
            #expect(response.stdout == "hello from pod web port 8080: GET \(path)\n", "\(response)")
        }
        let upgrades = try emulator.requestLog().filter { ($0["path"]?.stringValue ?? "").hasSuffix("/portforward") }
        let expected = environment.isEmpty ? "websocket" : "SPDY/3.1"
        #expect(upgrades.contains { $0["upgrade"]?.stringValue?.lowercased() == expected.lowercased() && $0["status"] == .int(101) }, "\(upgrades)")
    }

    @Test func forwardingToAMissingPodIsRefused() async throws {
        let emulator = try await RunningEmulator.start()
        let result = try await emulator.kubectl(["port-forward", "pod/nothing", ":80"], timeout: .seconds(20))
        #expect(result.status != 0)
        #expect(result.stderr.contains("pods \"nothing\" not found"))
    }

    @Test func responderEchoesOrAnswersHTTP() {
        var echo = PortForwardResponder(pod: "p", port: 7)
        #expect(echo.receive(Array("hello".utf8)).reply == Array("hello".utf8))
        #expect(echo.receive(Array(" again".utf8)).reply == Array(" again".utf8))
        var http = PortForwardResponder(pod: "p", port: 80)
        let partial = http.receive(Array("GET /a HTTP/1.1\r\nHost: x\r\n".utf8))
        #expect(partial.reply.isEmpty && !partial.finished)
        let done = http.receive(Array("\r\n".utf8))
        #expect(done.finished)
        #expect(String(decoding: done.reply, as: UTF8.self).hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(String(decoding: done.reply, as: UTF8.self).hasSuffix("hello from pod p port 80: GET /a\n"))
        var split = PortForwardResponder(pod: "p", port: 80)
        #expect(split.receive(Array("GE".utf8)).reply.isEmpty, "a method split across reads waits")
        var huge = PortForwardResponder(pod: "p", port: 80)
        let flood = huge.receive(Array(("GET / HTTP/1.1\r\n" + String(repeating: "a", count: 70_000)).utf8))
        #expect(flood.finished)
        #expect(String(decoding: flood.reply, as: UTF8.self).contains("431"))
    }
}
