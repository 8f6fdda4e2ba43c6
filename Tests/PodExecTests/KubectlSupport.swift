import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import PodExec

/// Just enough of an API server for `kubectl exec/attach/cp` (plain HTTP on loopback):
/// legacy discovery, one running pod `web` with container `c`, and exec/attach upgraded to
/// `RemoteCommandWebSocketHandler`. Every request line and its upgrade headers are recorded.
final class KubectlTestServer: Sendable {
    let channel: Channel
    let requests: NIOLockedValueBox<[String]>
    let processes: NIOLockedValueBox<[PodProcess]>

    var port: Int { self.channel.localAddress!.port! }

    private init(channel: Channel, requests: NIOLockedValueBox<[String]>, processes: NIOLockedValueBox<[PodProcess]>) {
        self.channel = channel
        self.requests = requests
        self.processes = processes
    }

    /// - Parameter attachCommand: what an `attach` connects to (a fresh process stands in for
    ///   the container's main process).
    static func start(directory: String, attachCommand: [String]) async throws -> KubectlTestServer {
        let requests = NIOLockedValueBox<[String]>([])
        let processes = NIOLockedValueBox<[PodProcess]>([])
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let upgrader = RemoteCommandUpgrader.make { channel, head, chosen in
                    requests.withLockedValue { $0.append("UPGRADE \(head.method) \(head.uri) -> \(chosen.name)") }
                    let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
                    let isExec = path.hasSuffix("/pods/web/exec")
                    let isAttach = path.hasSuffix("/pods/web/attach")
                    guard isExec || isAttach else { return channel.eventLoop.makeSucceededFuture(nil) }
                    let query = parseQuery(head.uri)
                    let flag = { (name: String) in query[name]?.last == "true" }
                    let options = RemoteCommandOptions(stdin: flag("stdin"), stdout: flag("stdout"), stderr: flag("stderr"), tty: flag("tty"))
                    guard options.isValid else { return channel.eventLoop.makeSucceededFuture(nil) }
                    let command = isExec ? (query["command"] ?? []) : attachCommand
                    let acceptance = RemoteCommandAcceptance(options: options) { channel in
                        let io: PodProcessConfiguration.StandardIO =
                            options.tty ? .terminal(initialSize: nil) : .pipes(stdin: options.stdin)
                        let configuration = PodProcessConfiguration(
                            command: command,
                            workingDirectory: directory,
                            podName: "web",
                            standardIO: io
                        )
                        if options.tty {
                            // The client's terminal size arrives just after the upgrade: start then.
                            return channel.eventLoop.makeSucceededFuture(
                                PendingTerminalCommand(configuration: configuration, eventLoop: channel.eventLoop))
                        }
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
                            context.pipeline.removeHandler(name: "api", promise: nil)
                        }
                    )
                ).flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(FakeAPIHandler(requests: requests), name: "api")
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return KubectlTestServer(channel: channel, requests: requests, processes: processes)
    }

    func stop() async throws {
        try await self.channel.close()
    }
}

/// Answers discovery and the pod GET; 400 for anything else (so SPDY fallbacks are visible).
final class FakeAPIHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let requests: NIOLockedValueBox<[String]>
    private var head: HTTPRequestHead?

    init(requests: NIOLockedValueBox<[String]>) {
        self.requests = requests
    }

    static let pod = """
        {"kind":"Pod","apiVersion":"v1","metadata":{"name":"web","namespace":"default","uid":"6a3c1b5e-0000-4000-8000-000000000001","resourceVersion":"1","creationTimestamp":"2025-01-01T00:00:00Z"},\
        "spec":{"containers":[{"name":"c","image":"busybox"}]},\
        "status":{"phase":"Running","containerStatuses":[{"name":"c","ready":true,"restartCount":0,"image":"busybox","imageID":"","state":{"running":{"startedAt":"2025-01-01T00:00:00Z"}}}]}}
        """

    static let apiResources = """
        {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"v1","resources":[\
        {"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["create","delete","get","list","patch","update","watch"],"shortNames":["po"]},\
        {"name":"pods/exec","singularName":"","namespaced":true,"kind":"PodExecOptions","verbs":["create","get"]},\
        {"name":"pods/attach","singularName":"","namespaced":true,"kind":"PodAttachOptions","verbs":["create","get"]}]}
        """

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            let interesting = ["Upgrade", "Sec-WebSocket-Protocol", "X-Stream-Protocol-Version", "Accept"]
            let headers = interesting.compactMap { name in
                let values = head.headers[name]
                return values.isEmpty ? nil : "\(name): \(values.joined(separator: " | "))"
            }
            self.requests.withLockedValue { $0.append("\(head.method) \(head.uri) [\(headers.joined(separator: "; "))]") }
        case .body:
            break
        case .end:
            guard let head = self.head else { return }
            self.head = nil
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
            switch (head.method, path) {
            case (.GET, "/version"):
                self.respond(context, .ok, #"{"major":"1","minor":"32","gitVersion":"v1.32.4","platform":"linux/amd64"}"#)
            case (.GET, "/api"):
                self.respond(context, .ok, #"{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1:443"}]}"#)
            case (.GET, "/apis"):
                self.respond(context, .ok, #"{"kind":"APIGroupList","apiVersion":"v1","groups":[]}"#)
            case (.GET, "/api/v1"):
                self.respond(context, .ok, Self.apiResources)
            case (.GET, "/api/v1/namespaces/default/pods/web"):
                self.respond(context, .ok, Self.pod)
            default:
                self.respond(context, .badRequest, #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"not supported here","reason":"BadRequest","code":400}"#)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A refused upgrade shows up here first; the request itself still arrives.
    }

    private func respond(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ json: String) {
        let body = ByteBuffer(string: json)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        context.write(Self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(Self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
    }
}

/// The result of running a command to completion.
struct CommandResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `arguments` with `stdin` fed in, killing it after `timeout`.
func runCommand(_ arguments: [String], stdin: String = "", environment: [String: String] = [:], timeout: TimeInterval = 30) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let input = Pipe()
    let output = Pipe()
    let error = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = error
    try process.run()
    input.fileHandleForWriting.write(Data(stdin.utf8))
    try input.fileHandleForWriting.close()
    let outData = NIOLockedValueBox(Data())
    let errData = NIOLockedValueBox(Data())
    let group = DispatchGroup()
    for (pipe, box) in [(output, outData), (error, errData)] {
        group.enter()
        DispatchQueue.global().async {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            box.withLockedValue { $0 = data }
            group.leave()
        }
    }
    if group.wait(timeout: .now() + timeout) == .timedOut {
        process.terminate()
        _ = group.wait(timeout: .now() + 5)
    }
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus,
        stdout: String(decoding: outData.withLockedValue { $0 }, as: UTF8.self),
        stderr: String(decoding: errData.withLockedValue { $0 }, as: UTF8.self)
    )
}

/// A kubeconfig for plain HTTP at `port`, written into `directory`.
func writeKubeconfig(port: Int, directory: String) throws -> String {
    let path = directory + "/kubeconfig"
    let text = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: emu
          cluster:
            server: http://127.0.0.1:\(port)
        users:
        - name: u
          user:
            token: test-token
        contexts:
        - name: emu
          context:
            cluster: emu
            user: u
            namespace: default
        current-context: emu
        """
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}
