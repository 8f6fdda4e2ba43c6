import Foundation
import KubeAPI
import NIOCore
import NIOHTTP1
import Synchronization

/// Runs each request (HTTP/1.1 connection or HTTP/2 stream) through a `ProxyExchange`, which
/// reads its body as it needs it and streams the answer back.
final class ProxyRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ProxyRequest
    typealias OutboundOut = HTTPServerResponsePart

    /// The most the proxy reads whole, for a create or a level that stores bodies: kube-apiserver
    /// refuses bodies over 3 MiB. Bodies it only forwards stream, of any length.
    static let maximumCollectedBody = 3 * 1024 * 1024 + 1024

    private let core: ProxyCore
    private let facts: ConnectionFacts
    /// The exchange serving the current request and its writer; cancelled when the client goes
    /// away after the response started.
    private var running: (task: Task<Void, Never>, writer: ChannelResponseWriter)?

    init(core: ProxyCore, facts: ConnectionFacts) {
        self.core = core
        self.facts = facts
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let request = unwrapInboundIn(data)
        let writer = ChannelResponseWriter(channel: context.channel, version: request.head.version, keepAlive: request.head.isKeepAlive)
        let route = Result { () throws(ClusterRoute.Refusal) in try ClusterRoute.parse(request.head.uri) }
        let claimed = core.claimRouting(forCluster: try? route.get().cluster)
        let exchange = ProxyExchange(core: core, routing: claimed.routing, cluster: claimed.cluster, route: route, facts: facts,
                                     head: request.head, body: request.body, writer: writer)
        let task = Task { [exchange] in await exchange.serve() }
        running = (task, writer)
    }

    /// The client is gone (connection closed, HTTP/2 stream reset or finished). Once the response
    /// has started, the exchange only streams: it stops, so a watch nobody reads does not hold its
    /// upstream request open until the cluster times it out, and its ResponseComplete is recorded
    /// now (recording does not observe cancellation). Before that, the upstream request runs to its
    /// end, so the trail keeps the cluster's real answer to it.
    func channelInactive(context: ChannelHandlerContext) {
        if let running, running.writer.progress.hasStarted { running.task.cancel() }
        running = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

/// Whether a response's head went out to the client.
final class ResponseProgress: Sendable {
    private let started = Atomic<Bool>(false)
    var hasStarted: Bool { started.load(ordering: .acquiring) }
    func markStarted() { started.store(true, ordering: .releasing) }
}
