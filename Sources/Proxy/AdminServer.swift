import NIOCore
import NIOHTTP1
import NIOPosix

/// Whether the proxy should be sent traffic, and if not, why.
public struct Readiness: Sendable, Equatable {
    public var ready: Bool
    /// One line per reason it is not ready; empty when ready.
    public var problems: [String]

    public init(problems: [String]) {
        self.ready = problems.isEmpty
        self.problems = problems
    }
}

/// The admin listener: `/metrics` (Prometheus text), `/healthz` (the process answers), `/readyz`
/// (it can serve: the audit spool is writable). Plain HTTP, meant for 127.0.0.1 or a private
/// network: it shows counts and names of clusters, never an event or a credential.
public final class AdminServer: Sendable {
    /// What the endpoints report; the daemon supplies them.
    public struct Endpoints: Sendable {
        public var metrics: @Sendable () async -> [UInt8]
        public var readiness: @Sendable () async -> Readiness

        public init(metrics: @escaping @Sendable () async -> [UInt8], readiness: @escaping @Sendable () async -> Readiness) {
            self.metrics = metrics
            self.readiness = readiness
        }
    }

    let endpoints: Endpoints
    let group: EventLoopGroup

    public init(endpoints: Endpoints, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.endpoints = endpoints
        self.group = group
    }

    /// Binds and serves until the returned channel is closed; its local address has the port.
    public func start(host: String, port: Int) async throws -> Channel {
        let endpoints = self.endpoints
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        let channel = server.channel
        Task {
            try? await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await Self.serve(connection, endpoints: endpoints) }
                    }
                }
            }
        }
        return channel
    }

    static func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, endpoints: Endpoints) async {
        try? await connection.executeThenClose { requests, responses in
            var current: HTTPRequestHead?
            for try await part in requests {
                switch part {
                case .head(let head): current = head
                case .body: break
                case .end:
                    guard let head = current else { continue }
                    let answer = await answer(head, endpoints: endpoints)
                    var response = HTTPResponseHead(version: head.version, status: answer.status)
                    response.headers.add(name: "Content-Type", value: answer.contentType)
                    response.headers.add(name: "Content-Length", value: String(answer.body.count))
                    response.headers.add(name: "Cache-Control", value: "no-store")
                    if !head.isKeepAlive { response.headers.add(name: "Connection", value: "close") }
                    try await responses.write(.head(response))
                    if head.method != .HEAD { try await responses.write(.body(.byteBuffer(ByteBuffer(bytes: answer.body)))) }
                    try await responses.write(.end(nil))
                    if !head.isKeepAlive { return }
                }
            }
        }
    }

    struct Answer {
        var status: HTTPResponseStatus
        var contentType = "text/plain; charset=utf-8"
        var body: [UInt8]
    }

    static func answer(_ head: HTTPRequestHead, endpoints: Endpoints) async -> Answer {
        guard head.method == .GET || head.method == .HEAD else {
            return Answer(status: .methodNotAllowed, body: Array("only GET and HEAD\n".utf8))
        }
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? head.uri
        switch path {
        case "/metrics":
            return Answer(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: await endpoints.metrics())
        case "/healthz", "/livez":
            return Answer(status: .ok, body: Array("ok\n".utf8))
        case "/readyz":
            let readiness = await endpoints.readiness()
            if readiness.ready { return Answer(status: .ok, body: Array("ok\n".utf8)) }
            return Answer(status: .serviceUnavailable, body: Array(("not ready:\n" + readiness.problems.map { "- \($0)\n" }.joined()).utf8))
        default:
            return Answer(status: .notFound, body: Array("not found; try /metrics, /healthz or /readyz\n".utf8))
        }
    }
}
