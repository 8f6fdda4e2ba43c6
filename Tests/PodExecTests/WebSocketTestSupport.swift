import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import PodExec

/// A loopback HTTP/1.1 server whose exec endpoint upgrades to `RemoteCommandWebSocketHandler`
/// running `PodProcess`es; anything not upgraded gets a 400 (kubectl then falls back to SPDY).
final class TestExecServer: Sendable {
    let channel: Channel
    let directory: String
    private let processes: NIOLockedValueBox<[PodProcess]>

    var port: Int { self.channel.localAddress!.port! }
    var launched: [PodProcess] { self.processes.withLockedValue { $0 } }

    private init(channel: Channel, directory: String, processes: NIOLockedValueBox<[PodProcess]>) {
        self.channel = channel
        self.directory = directory
        self.processes = processes
    }

    static func start(supported: [RemoteCommandProtocol] = [.v5, .v4], directory: String) async throws -> TestExecServer {
        let processes = NIOLockedValueBox<[PodProcess]>([])
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let upgrader = RemoteCommandUpgrader.make(supportedProtocols: supported) { channel, head, _ in
                    let query = parseQuery(head.uri)
                    guard head.uri.hasPrefix("/api/v1/namespaces/default/pods/web/exec") else {
                        return channel.eventLoop.makeSucceededFuture(nil)
                    }
                    let flag = { (name: String) in query[name]?.last == "true" }
                    let options = RemoteCommandOptions(stdin: flag("stdin"), stdout: flag("stdout"), stderr: flag("stderr"), tty: flag("tty"))
                    let command = query["command"] ?? []
                    let acceptance = RemoteCommandAcceptance(options: options) { channel in
                        let io: PodProcessConfiguration.StandardIO =
                            options.tty ? .terminal(initialSize: nil) : .pipes(stdin: options.stdin)
                        let configuration = PodProcessConfiguration(
                            command: command,
                            workingDirectory: directory,
                            podName: "web",
                            standardIO: io
                        )
                        return PodProcess.launch(configuration, on: channel.eventLoop).map { process in
                            processes.withLockedValue { $0.append(process) }
                            return process as any RemoteCommandTarget
                        }
                    }
                    return channel.eventLoop.makeSucceededFuture(acceptance)
                }
                return channel.pipeline.configureHTTPServerPipeline(
                    withServerUpgrade: (
                        upgraders: [upgrader],
                        completionHandler: { context in
                            context.pipeline.removeHandler(name: "refuse", promise: nil)
                        }
                    )
                ).flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(RefusingHTTPHandler(), name: "refuse")
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return TestExecServer(channel: channel, directory: directory, processes: processes)
    }

    func stop() async throws {
        try await self.channel.close()
    }
}

/// Answers every request that was not upgraded with 400, as a server refusing the upgrade.
final class RefusingHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = Self.unwrapInboundIn(data) else { return }
        let body = ByteBuffer(string: #"{"kind":"Status","apiVersion":"v1","status":"Failure","code":400}"#)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Content-Type", value: "application/json")
        context.write(Self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))), promise: nil)
        context.write(Self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A refused upgrade is reported here first; the request itself still arrives.
    }
}

/// `?a=1&b=2&b=3` → ["a": ["1"], "b": ["2", "3"]], decoded as Go's `url.ParseQuery` does:
/// `+` is a space (kubectl sends `command=sh&command=-c&command=echo+hi`), then percent-decoding.
func parseQuery(_ uri: String) -> [String: [String]] {
    guard let mark = uri.firstIndex(of: "?") else { return [:] }
    var result: [String: [String]] = [:]
    for pair in uri[uri.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: true) {
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        func decode(_ text: Substring) -> String {
            let spaced = text.replacingOccurrences(of: "+", with: " ")
            return spaced.removingPercentEncoding ?? spaced
        }
        result[decode(parts[0]), default: []].append(parts.count > 1 ? decode(parts[1]) : "")
    }
    return result
}

/// What a client saw during one WebSocket exchange.
struct WebSocketExchange: Sendable {
    var upgraded = false
    var negotiatedProtocol: String?
    /// Data messages in arrival order: (channel byte, payload).
    var messages: [(UInt8, [UInt8])] = []
    var pongs: [[UInt8]] = []
    var serverCloseCode: WebSocketErrorCode?

    func stream(_ channel: UInt8) -> [UInt8] {
        self.messages.filter { $0.0 == channel }.flatMap { $0.1 }
    }

    func text(_ channel: UInt8) -> String { String(decoding: self.stream(channel), as: UTF8.self) }
}

/// The test's side of a WebSocket connection: send frames, watch what has arrived.
struct WebSocketScript: Sendable {
    let outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>
    let seen: NIOLockedValueBox<WebSocketExchange>

    func send(channel: UInt8, _ bytes: [UInt8]) async throws {
        try await self.sendFrame(opcode: .binary, [channel] + bytes)
    }

    func send(channel: UInt8, _ text: String) async throws {
        try await self.send(channel: channel, Array(text.utf8))
    }

    func sendFrame(opcode: WebSocketOpcode, fin: Bool = true, _ bytes: [UInt8]) async throws {
        let frame = WebSocketFrame(fin: fin, opcode: opcode, maskKey: .random(), data: ByteBuffer(bytes: bytes))
        try await self.outbound.write(frame)
    }

    func close(code: WebSocketErrorCode = .normalClosure) async throws {
        var data = ByteBuffer()
        data.write(webSocketErrorCode: code)
        try await self.sendFrame(opcode: .connectionClose, Array(data.readableBytesView))
    }

    /// Waits until `condition` holds for what has arrived (false after `timeout` seconds).
    func waitUntil(timeout: Double = 10, _ condition: @Sendable (WebSocketExchange) -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while ContinuousClock.now < deadline {
            if self.seen.withLockedValue({ condition($0) }) { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}

enum WebSocketTestClient {
    private enum UpgradeResult: Sendable {
        case websocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, HTTPResponseHead)
        case notUpgraded
    }

    /// Connects, upgrades with `protocols`, runs `script` while collecting every frame, answers
    /// the server's close like gorilla/websocket does, and returns what was seen once the
    /// connection is closed (or `script` and `timeout` are over).
    static func exchange(
        port: Int,
        uri: String,
        protocols: [String] = ["v5.channel.k8s.io"],
        timeout: Duration = .seconds(20),
        script: @escaping @Sendable (WebSocketScript) async throws -> Void
    ) async throws -> WebSocketExchange {
        let upgrade: EventLoopFuture<UpgradeResult> = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOTypedWebSocketClientUpgrader<UpgradeResult>(maxFrameSize: 1 << 24) { channel, response in
                        channel.eventLoop.makeCompletedFuture {
                            let asyncChannel = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(wrappingChannelSynchronously: channel)
                            return .websocket(asyncChannel, response)
                        }
                    }
                    var headers = HTTPHeaders()
                    headers.add(name: "Host", value: "127.0.0.1:\(port)")
                    for name in protocols { headers.add(name: "Sec-WebSocket-Protocol", value: name) }
                    headers.add(name: "Content-Length", value: "0")
                    let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: uri, headers: headers)
                    let configuration = NIOTypedHTTPClientUpgradeConfiguration(
                        upgradeRequestHead: head,
                        upgraders: [upgrader],
                        notUpgradingCompletionHandler: { channel in
                            channel.eventLoop.makeCompletedFuture { .notUpgraded }
                        }
                    )
                    var pipeline = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: configuration)
                    // The server's first frame may share a read with its 101 response.
                    pipeline.leftOverBytesStrategy = .forwardBytes
                    return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
                        configuration: pipeline
                    )
                }
            }

        switch try await upgrade.get() {
        case .notUpgraded:
            return WebSocketExchange()
        case .websocket(let channel, let response):
            let seen = NIOLockedValueBox(WebSocketExchange())
            seen.withLockedValue {
                $0.upgraded = true
                $0.negotiatedProtocol = response.headers.first(name: "Sec-WebSocket-Protocol")
            }
            try await channel.executeThenClose { inbound, outbound in
                let driver = WebSocketScript(outbound: outbound, seen: seen)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await frame in inbound {
                            var data = frame.unmaskedData
                            switch frame.opcode {
                            case .binary, .text:
                                let channelByte = data.readInteger(as: UInt8.self) ?? 0xFF
                                let payload = Array(data.readableBytesView)
                                seen.withLockedValue { $0.messages.append((channelByte, payload)) }
                            case .pong:
                                seen.withLockedValue { $0.pongs.append(Array(data.readableBytesView)) }
                            case .connectionClose:
                                let code = data.readWebSocketErrorCode()
                                seen.withLockedValue { $0.serverCloseCode = code }
                                try? await driver.close(code: code ?? .normalClosure)
                                return
                            default:
                                break
                            }
                        }
                    }
                    group.addTask { try await script(driver) }
                    group.addTask {
                        try await Task.sleep(for: timeout)
                        throw ChannelError.connectTimeout(.seconds(20))
                    }
                    // Done when the server closed (reader ends) and the script finished.
                    _ = try await group.next()
                    _ = try await group.next()
                    group.cancelAll()
                }
            }
            return seen.withLockedValue { $0 }
        }
    }
}
