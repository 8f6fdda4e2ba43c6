import Foundation
import NIOCore
import NIOWebSocket
import PodExec
import Testing

extension IOTests {
    @Suite struct RemoteCommandWebSocketTests {
        private func execURI(_ command: [String], stdin: Bool = true, stdout: Bool = true, stderr: Bool = true, tty: Bool = false) -> String {
            var components = URLComponents()
            components.path = "/api/v1/namespaces/default/pods/web/exec"
            components.queryItems =
                command.map { URLQueryItem(name: "command", value: $0) } + [
                    URLQueryItem(name: "container", value: "c"),
                    URLQueryItem(name: "stderr", value: String(stderr)),
                    URLQueryItem(name: "stdin", value: String(stdin)),
                    URLQueryItem(name: "stdout", value: String(stdout)),
                ] + (tty ? [URLQueryItem(name: "tty", value: "true")] : [])
            return components.string!
        }

        @Test func v5StdinStdoutAndExitCode() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let server = try await TestExecServer.start(directory: dir)
            defer { Task { try? await server.stop() } }

            let exchange = try await WebSocketTestClient.exchange(
                port: server.port,
                uri: execURI(["sh", "-c", "cat; echo done >&2; exit 3"])
            ) { script in
                try await script.send(channel: 0, "hello ")
                try await script.send(channel: 0, "world\n")
                try await script.sendFrame(opcode: .binary, [255, 0])  // v5 CLOSE stdin
            }
            #expect(exchange.upgraded)
            #expect(exchange.negotiatedProtocol == "v5.channel.k8s.io")
            // First the empty "connected" message on stdout, last the Status.
            #expect(exchange.messages.first.map { $0.0 } == 1)
            #expect(exchange.messages.first.map { $0.1 } == [])
            #expect(exchange.text(1) == "hello world\n")
            #expect(exchange.text(2) == "done\n")
            #expect(exchange.messages.last.map { $0.0 } == 3)
            let status = try RemoteCommandStatus(jsonBytes: exchange.stream(3))
            #expect(status.exitCode == 3)
            #expect(exchange.text(3) == RemoteCommandStatus.exitCode(3).jsonString)
            #expect(exchange.serverCloseCode == .normalClosure)
        }

        @Test func successStatusAndOnlyRequestedStreams() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let server = try await TestExecServer.start(directory: dir)
            defer { Task { try? await server.stop() } }

            let exchange = try await WebSocketTestClient.exchange(
                port: server.port,
                uri: execURI(["sh", "-c", "echo out; echo err >&2"], stdin: false, stderr: false)
            ) { script in
                // stdin was not requested: this must not reach the process.
                try await script.send(channel: 0, "ignored\n")
            }
            #expect(exchange.text(1) == "out\n")
            #expect(exchange.stream(2).isEmpty)
            #expect(exchange.messages.contains { $0.0 == 2 } == false)
            #expect(exchange.text(3) == #"{"metadata":{},"status":"Success"}"#)
            #expect(exchange.serverCloseCode == .normalClosure)
        }

        @Test func ttyResizeAndInteractiveShell() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let server = try await TestExecServer.start(directory: dir)
            defer { Task { try? await server.stop() } }

            let exchange = try await WebSocketTestClient.exchange(
                port: server.port,
                uri: execURI(["sh"], stderr: false, tty: true)
            ) { script in
                // kubectl sends the size first, as JSON with a newline.
                try await script.send(channel: 4, #"{"Width":120,"Height":40}"# + "\n")
                try await script.send(channel: 0, "stty size; echo $((6*7))\n")
                #expect(try await script.waitUntil { $0.text(1).contains("40 120\r\n42\r\n") })
                // A later resize, split across two messages.
                try await script.send(channel: 4, #"{"Width":90,"#)
                try await script.send(channel: 4, #""Height":20}"# + "\n")
                try await script.send(channel: 0, "stty size\n")
                #expect(try await script.waitUntil { $0.text(1).contains("20 90\r\n") })
                try await script.send(channel: 0, "exit 7\n")
            }
            #expect(try RemoteCommandStatus(jsonBytes: exchange.stream(3)).exitCode == 7)
            #expect(exchange.serverCloseCode == .normalClosure)
        }

        @Test func largeOutputThroughTheSocket() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let server = try await TestExecServer.start(directory: dir)
            defer { Task { try? await server.stop() } }
            let total = 10 * 1024 * 1024

            let exchange = try await WebSocketTestClient.exchange(
                port: server.port,
                uri: execURI(["head", "-c", String(total), "/dev/zero"], stdin: false)
            ) { _ in }
            #expect(exchange.stream(1).count == total)
            #expect(exchange.text(3) == RemoteCommandStatus.success.jsonString)
        }

        @Test func largeStdinIsFlowControlled() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let server = try await TestExecServer.start(directory: dir)
            defer { Task { try? await server.stop() } }
            let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 32 * 1024)
            let chunks = 128  // 4 MiB through `wc -c`

            let exchange = try await WebSocketTestClient.exchange(
                port: server.port,
                uri: execURI(["wc", "-c"])
            ) { script in
                for _ in 0..<chunks { try await script.send(channel: 0, chunk) }
                try await script.sendFrame(opcode: .binary, [255, 0])
            }
            #expect(exchange.text(1).trimmingCharacters(in: .whitespacesAndNewlines) == String(chunk.count * chunks))
            #expect(exchange.text(3) == RemoteCommandStatus.success.jsonString)
        }

        @Test func fragmentedStdinMessage() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let server = try await TestExecServer.start(directory: dir)
            defer { Task { try? await server.stop() } }

            let exchange = try await WebSocketTestClient.exchange(port: server.port, uri: execURI(["cat"])) { script in
                try await script.sendFrame(opcode: .binary, fin: false, [])
                try await script.sendFrame(opcode: .continuation, fin: false, [0, 0x61])
                try await script.sendFrame(opcode: .continuation, fin: true, [0x62, 0x0A])
                try await script.sendFrame(opcode: .binary, fin: false, [255])
                try await script.sendFrame(opcode: .continuation, fin: true, [0])
            }
            #expect(exchange.text(1) == "ab\n")
            #expect(exchange.text(3) == RemoteCommandStatus.success.jsonString)
        }

        @Test func pingGetsPong() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let server = try await TestExecServer.start(directory: dir)
            defer { Task { try? await server.stop() } }

            let exchange = try await WebSocketTestClient.exchange(port: server.port, uri: execURI(["cat"])) { script in
                try await script.sendFrame(opcode: .ping, [1, 2, 3])
                #expect(try await script.waitUntil { $0.pongs == [[1, 2, 3]] })
                try await script.sendFrame(opcode: .binary, [255, 0])
            }
            #expect(exchange.pongs == [[1, 2, 3]])
            #expect(exchange.serverCloseCode == .normalClosure)
        }

        @Test func clientGoingAwayKillsTheProcess() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let server = try await TestExecServer.start(directory: dir)
            defer { Task { try? await server.stop() } }

            let exchange = try await WebSocketTestClient.exchange(
                port: server.port,
                uri: execURI(["sh", "-c", "echo ready; exec sleep 1000"])
            ) { script in
                #expect(try await script.waitUntil { $0.text(1) == "ready\n" })
                try await script.close(code: .goingAway)
            }
            // The server echoes the client's close code and sends no status.
            #expect(exchange.serverCloseCode == .goingAway)
            #expect(exchange.stream(3).isEmpty)
            let process = try #require(server.launched.first)
            let exited = try await process.exited.get()
            #expect(exited == .signaled(SIGKILL))
        }

        @Test func droppedConnectionKillsTheProcess() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let server = try await TestExecServer.start(directory: dir)
            defer { Task { try? await server.stop() } }

            _ = try? await WebSocketTestClient.exchange(
                port: server.port,
                uri: execURI(["sleep", "1000"], stdin: false),
                timeout: .milliseconds(500)
            ) { _ in }
            let process = try #require(server.launched.first)
            let exited = try await process.exited.get()
            #expect(exited == .signaled(SIGKILL))
        }

        @Test func unknownCommandIsAnInternalError() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let server = try await TestExecServer.start(directory: dir)
            defer { Task { try? await server.stop() } }

            let exchange = try await WebSocketTestClient.exchange(port: server.port, uri: execURI(["nope-not-here"])) { _ in }
            let status = try RemoteCommandStatus(jsonBytes: exchange.stream(3))
            #expect(status.reason == "InternalError")
            #expect(status.code == 500)
            #expect(status.message?.contains(#"exec: "nope-not-here": executable file not found in $PATH"#) == true)
            #expect(exchange.serverCloseCode == .normalClosure)
        }

        @Test func malformedCloseSignalEndsTheSession() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let server = try await TestExecServer.start(directory: dir)
            defer { Task { try? await server.stop() } }

            let exchange = try await WebSocketTestClient.exchange(port: server.port, uri: execURI(["cat"])) { script in
                try await script.send(channel: 0, "x\n")
                #expect(try await script.waitUntil { $0.text(1) == "x\n" })
                try await script.sendFrame(opcode: .binary, [255, 0, 0])
            }
            #expect(exchange.serverCloseCode == .protocolError)
            let process = try #require(server.launched.first)
            #expect(try await process.exited.get() == .signaled(SIGKILL))
        }

        @Test func v4IgnoresTheCloseSignal() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let server = try await TestExecServer.start(directory: dir)
            defer { Task { try? await server.stop() } }

            let exchange = try await WebSocketTestClient.exchange(
                port: server.port,
                uri: execURI(["sh", "-c", "read line; echo got $line; exit 2"]),
                protocols: ["v4.channel.k8s.io"]
            ) { script in
                try await script.sendFrame(opcode: .binary, [255, 0])  // not a signal in v4: ignored
                try await script.send(channel: 0, "x\n")
            }
            #expect(exchange.negotiatedProtocol == "v4.channel.k8s.io")
            #expect(exchange.text(1) == "got x\n")
            #expect(try RemoteCommandStatus(jsonBytes: exchange.stream(3)).exitCode == 2)
        }

        @Test func v1CarriesPlainTextErrors() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let server = try await TestExecServer.start(supported: [.v5, .v4, .v1], directory: dir)
            defer { Task { try? await server.stop() } }

            let failed = try await WebSocketTestClient.exchange(
                port: server.port,
                uri: execURI(["sh", "-c", "exit 3"], stdin: false),
                protocols: ["channel.k8s.io"]
            ) { _ in }
            #expect(failed.negotiatedProtocol == "channel.k8s.io")
            #expect(failed.text(3) == "command terminated with non-zero exit code: command terminated with exit code 3")
            let succeeded = try await WebSocketTestClient.exchange(
                port: server.port,
                uri: execURI(["true"], stdin: false),
                protocols: ["channel.k8s.io"]
            ) { _ in }
            #expect(!succeeded.messages.contains { $0.0 == 3 })
            #expect(succeeded.serverCloseCode == .normalClosure)
        }

        @Test func unsupportedProtocolIsRefused() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let server = try await TestExecServer.start(directory: dir)
            defer { Task { try? await server.stop() } }

            let refused = try await WebSocketTestClient.exchange(
                port: server.port,
                uri: execURI(["true"]),
                protocols: ["v3.channel.k8s.io", "base64.channel.k8s.io"]
            ) { _ in }
            #expect(!refused.upgraded)
            let wrongPath = try await WebSocketTestClient.exchange(port: server.port, uri: "/api/v1/namespaces/default/pods/other/exec?command=true&stdout=true") { _ in }
            #expect(!wrongPath.upgraded)
            #expect(server.launched.isEmpty)
        }

        @Test func noDescriptorLeaksAcrossSessions() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let server = try await TestExecServer.start(directory: dir)
            defer { Task { try? await server.stop() } }
            _ = try await WebSocketTestClient.exchange(port: server.port, uri: execURI(["true"], stdin: false)) { _ in }
            // The test bundle's other suites run in this process at the same time, so count only
            // what is this test's: connections to its server, and terminals.
            let terminalsBefore = openTerminalCount()

            for round in 0..<4 {
                _ = try await WebSocketTestClient.exchange(port: server.port, uri: execURI(["echo", "\(round)"], stdin: false)) { _ in }
                _ = try await WebSocketTestClient.exchange(port: server.port, uri: execURI(["sh"], tty: true)) { script in
                    try await script.send(channel: 0, "exit\n")
                }
                _ = try await WebSocketTestClient.exchange(port: server.port, uri: execURI(["cat"])) { script in
                    try await script.close()
                }
            }
            for process in server.launched { _ = try await process.exited.get() }
            var connections = openConnections(onPort: server.port)
            var terminals = openTerminalCount()
            for _ in 0..<100 where connections != 0 || terminals != terminalsBefore {
                try await Task.sleep(for: .milliseconds(20))
                connections = openConnections(onPort: server.port)
                terminals = openTerminalCount()
            }
            #expect(connections == 0, "\(openDescriptorTargets())")
            #expect(terminals == terminalsBefore)
            for process in server.launched {
                // Reaped by the time `exited` completes; give a loaded machine a moment before calling it a leak.
                for _ in 0..<100 where isStillOurChild(process.pid) { try await Task.sleep(for: .milliseconds(20)) }
                #expect(!isStillOurChild(process.pid), "pid \(process.pid) is still ours, state \(processState(process.pid).map(String.init) ?? "gone")")
            }
        }
    }
}
