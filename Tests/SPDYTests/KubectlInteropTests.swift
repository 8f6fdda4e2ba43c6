import KubetrailTestSupport
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing
@testable import SPDY

let installedKubectl: String? = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

/// The real kubectl (if installed) runs `exec` over SPDY/3.1 against a tiny server built on
/// SPDYSessionHandler: proves kubectl accepts our SYN_REPLY/DATA/FIN framing and our zlib
/// stream, and that we read its SYN_STREAMs, DATA, PINGs, RSTs and GOAWAY.
/// kubectl is part of the test rig (tools/test requires it): without it these fail, not skip.
@Suite(.serialized)
struct KubectlInteropTests {
    static let kubectl = installedKubectl

    @Test func execCatEchoesStdinAndExitsZero() throws {
        let result = try Self.runKubectlExec(command: "cat", stdin: "hello spdy\nsecond line\n")
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == "hello spdy\nsecond line\n")
        let seen = result.server
        #expect(seen.contains("request POST /api/v1/namespaces/default/pods/web/exec?command=cat&container=c&stderr=true&stdin=true&stdout=true&timeout=20s"))
        #expect(seen.contains("upgrade SPDY/3.1 protocols v5.channel.k8s.io,v4.channel.k8s.io,v3.channel.k8s.io,v2.channel.k8s.io,channel.k8s.io"))
        // kubectl's stream order: error, stdin, stdout, stderr, with odd ids from 1.
        let opened = seen.filter { $0.hasPrefix("opened") }
        #expect(opened == ["opened 1 streamtype=error", "opened 3 streamtype=stdin", "opened 5 streamtype=stdout", "opened 7 streamtype=stderr"])
        #expect(seen.contains("stdin fin"))
        // kubectl's Close: RST CANCEL on every stream still open, then GOAWAY(last 0, OK).
        // (Go map order: the resets come in any order.)
        #expect(Array(seen.suffix(5).prefix(3)).sorted() == ["reset 1 CANCEL", "reset 5 CANCEL", "reset 7 CANCEL"])
        #expect(Array(seen.suffix(2)) == ["goaway 0 0", "closed clean"])
    }

    @Test func execReportsTheExitCodeFromTheErrorStream() throws {
        let result = try Self.runKubectlExec(command: "exit3", stdin: "")
        #expect(result.status == 3, "stderr: \(result.stderr)")
    }

    @Test func execMovesMegabytesWithoutFlowControlStalls() throws {
        // spdystream never sends WINDOW_UPDATE: with `.kubernetes` nothing waits for one.
        var rng = SplitMix64(seed: 7)
        let line = (0..<1023).map { _ in Character(Unicode.Scalar(UInt8.random(in: 97...122, using: &rng))) }
        let input = String((0..<1024).flatMap { _ in line + ["\n"] })  // 1 MiB
        let result = try Self.runKubectlExec(command: "cat", stdin: input)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.utf8.count == input.utf8.count)
        #expect(result.stdout == input)
    }

    @Test func portForwardOverSPDYCarriesTwoConnections() throws {
        let server = try ProbeServer()
        defer { server.stop() }
        let kubectl = try server.startKubectl(["port-forward", "pod/web", ":80"], environment: ["KUBECTL_PORT_FORWARD_WEBSOCKETS": "false"])
        defer { kubectl.process.interrupt(); kubectl.process.waitUntilExit() }
        let localPort = try kubectl.waitForForwardedPort()
        for (request, text) in ["hello forward\n", "second\n"].enumerated() {
            let answer = try server.exchange(port: localPort, send: text, expect: text.utf8.count)
            #expect(answer == text.uppercased(), "request \(request)")
        }
        // Wait for the second pair to end and for kubectl's keep-alive PING (every 5 s, odd id).
        try server.waitForLog { $0.contains("data fin request 1") && $0.contains("ping 1") }
        let seen = server.log.withLockedValue { $0 }
        #expect(seen.contains("upgrade SPDY/3.1 protocols portforward.k8s.io"))
        let opened = seen.filter { $0.hasPrefix("opened") }
        #expect(opened == [
            "opened 1 streamtype=error port=80 requestid=0", "opened 3 streamtype=data port=80 requestid=0",
            "opened 5 streamtype=error port=80 requestid=1", "opened 7 streamtype=data port=80 requestid=1",
        ])
        // kubectl closes its side of the error stream right after the reply.
        #expect(seen.contains("error stream fin 1"))
        #expect(seen.contains("data fin request 0"))
    }

    @Test func portForwardTunnelledInWebSocket() throws {
        // kubectl 1.32's default: SPDY frames inside WebSocket binary messages.
        let server = try ProbeServer(webSocket: true)
        defer { server.stop() }
        let kubectl = try server.startKubectl(["port-forward", "pod/web", ":80"], environment: [:])
        defer { kubectl.process.interrupt(); kubectl.process.waitUntilExit() }
        let localPort = try kubectl.waitForForwardedPort()
        let text = String(repeating: "tunnel ", count: 10_000)  // 70 KB: several SPDY frames
        #expect(try server.exchange(port: localPort, send: text, expect: text.utf8.count) == text.uppercased())
        try server.waitForLog { $0.contains("data fin request 0") }
        let seen = server.log.withLockedValue { $0 }
        #expect(seen.contains { $0.hasPrefix("websocket /api/v1/namespaces/default/pods/web/portforward") && $0.hasSuffix("protocols SPDY/3.1+portforward.k8s.io") })
        #expect(seen.filter { $0.hasPrefix("opened") } == [
            "opened 1 streamtype=error port=80 requestid=0", "opened 3 streamtype=data port=80 requestid=0",
        ])
    }

    // MARK: - Harness

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var server: [String]
    }

    static func runKubectlExec(command: String, stdin: String) throws -> Result {
        let server = try ProbeServer()
        defer { server.stop() }
        let kubectl = try server.startKubectl(["exec", "-i", "web", "-c", "c", "--", command], environment: ["KUBECTL_REMOTE_COMMAND_WEBSOCKETS": "false"])
        // Feed stdin from another thread: kubectl echoes while we write.
        let writer = kubectl.stdin
        let payload = Data(stdin.utf8)
        DispatchQueue.global().async {
            writer.write(payload)
            try? writer.close()
        }
        let outData = kubectl.stdout.readDataToEndOfFile()
        let errData = kubectl.stderr.readDataToEndOfFile()
        kubectl.process.waitUntilExit()
        // kubectl may exit before its last frames (RSTs, GOAWAY) are read here: wait for the close.
        try? server.waitForLog { $0.contains { $0.hasPrefix("closed") } }
        return Result(
            status: kubectl.process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self),
            server: server.log.withLockedValue { $0 })
    }
}

/// The probe server on 127.0.0.1 plus a kubeconfig pointing kubectl at it.
final class ProbeServer {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let log = NIOLockedValueBox<[String]>([])
    let channel: any Channel
    let directory: URL
    let kubeconfig: URL

    init(webSocket: Bool = false) throws {
        let log = self.log
        channel = webSocket ? try WebSocketProbe.bind(group: group, log: log) : try ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UpgradeProbeHandler(log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("spdy-kubectl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        kubeconfig = directory.appendingPathComponent("config")
        try """
            apiVersion: v1
            kind: Config
            clusters: [{name: probe, cluster: {server: "http://127.0.0.1:\(channel.localAddress!.port!)"}}]
            users: [{name: probe, user: {token: probe}}]
            contexts: [{name: probe, context: {cluster: probe, user: probe, namespace: default}}]
            current-context: probe
            """.write(to: kubeconfig, atomically: true, encoding: .utf8)
    }

    func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
        try? FileManager.default.removeItem(at: directory)
    }

    struct Kubectl {
        let process: Process
        let stdin: FileHandle
        let stdout: FileHandle
        let stderr: FileHandle

        /// Reads kubectl's stdout until "Forwarding from 127.0.0.1:PORT -> ..." appears.
        func waitForForwardedPort() throws -> Int {
            var seen = ""
            while true {
                let chunk = stdout.availableData
                if chunk.isEmpty { throw ProbeError("kubectl ended before forwarding: \(seen) \(String(decoding: stderr.availableData, as: UTF8.self))") }
                seen += String(decoding: chunk, as: UTF8.self)
                if let range = seen.range(of: "Forwarding from 127.0.0.1:"),
                    let end = seen[range.upperBound...].firstIndex(of: " "),
                    let port = Int(seen[range.upperBound..<end]) {
                    return port
                }
            }
        }
    }

    func startKubectl(_ arguments: [String], environment extra: [String: String]) throws -> Kubectl {
        let process = Process()
        guard let kubectl = KubectlInteropTests.kubectl else {
            throw KubectlMissing()
        }
        process.executableURL = URL(fileURLWithPath: kubectl)
        process.arguments = ["--kubeconfig", kubeconfig.path, "--request-timeout=20s"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = directory.path
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        return Kubectl(process: process, stdin: input.fileHandleForWriting, stdout: output.fileHandleForReading, stderr: errors.fileHandleForReading)
    }

    /// Connects to kubectl's forwarded port, sends `text`, reads `count` bytes back, hangs up.
    func exchange(port: Int, send text: String, expect count: Int) throws -> String {
        let received = group.next().makePromise(of: String.self)
        let client = try ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(CollectingHandler(count: count, promise: received))
                }
            }
            .connect(host: "127.0.0.1", port: port).wait()
        try client.writeAndFlush(ByteBuffer(string: text)).wait()
        let answer = try received.futureResult.wait()
        try client.close().wait()
        return answer
    }

    /// Polls the server log (up to 30 s: the whole test bundle may be loading both cores) until `condition` holds.
    func waitForLog(_ condition: ([String]) -> Bool) throws {
        for _ in 0..<600 {
            if log.withLockedValue({ condition($0) }) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw ProbeError("timed out; log: \(log.withLockedValue { $0 })")
    }
}

struct ProbeError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Collects `count` bytes from a connection and fulfils `promise` with them.
final class CollectingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let count: Int
    let promise: EventLoopPromise<String>
    var collected = ByteBuffer()

    init(count: Int, promise: EventLoopPromise<String>) {
        self.count = count
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        collected.writeBuffer(&bytes)
        if collected.readableBytes >= count {
            promise.succeed(String(buffer: collected))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ProbeError("connection closed after \(collected.readableBytes) bytes"))
    }
}

struct KubectlMissing: Error, CustomStringConvertible {
    var description: String { "kubectl 1.32 is required for these tests and was not found in /usr/bin or /usr/local/bin" }
}
