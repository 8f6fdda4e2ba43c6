import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS

/// One upgrade request (exec, attach, port-forward) sent to the cluster on a connection of its
/// own, never pooled: a refused upgrade closes it, so its state can never leak into another
/// request (the CVE-2018-1002105 lesson).
enum UpstreamUpgrade {
    /// The cluster's answer: 101 with the channel ready to splice, or any other answer whole.
    struct Answer {
        var head: HTTPResponseHead
        var body: ByteBuffer
        var channel: Channel
    }

    static func send(_ head: HTTPRequestHead, to cluster: UpstreamCluster, on eventLoop: EventLoop) async throws -> Answer {
        let promise = eventLoop.makePromise(of: (HTTPResponseHead, ByteBuffer).self)
        let tls = cluster.upgradeTLS
        let host = cluster.host
        let name = cluster.name
        let connecting = ContinuousClock.now
        let channel = try await ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(NIOSSLClientHandler(context: tls, serverHostname: UpstreamCluster.isIPAddress(host) ? nil : host))
                    try sync.addHandler(TLSHandshakeTimer(cluster: name, connecting: connecting))
                    try sync.addHandler(HTTPRequestEncoder(), name: "upgrade-encoder")
                    try sync.addHandler(ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .forwardBytes)), name: "upgrade-decoder")
                    try sync.addHandler(UpgradeAnswerCollector(promise: promise), name: "upgrade-answer")
                }
            }
            .connect(host: host, port: cluster.port).get()
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        do {
            let (responseHead, body) = try await promise.futureResult.get()
            return Answer(head: responseHead, body: body, channel: channel)
        } catch {
            try? await channel.close()
            throw error
        }
    }
}

/// Reports how long the TCP connect and the TLS handshake of an upstream connection took, then
/// leaves the pipeline.
final class TLSHandshakeTimer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let cluster: String
    private let connecting: ContinuousClock.Instant
    private var connected: ContinuousClock.Instant?

    init(cluster: String, connecting: ContinuousClock.Instant) {
        self.cluster = cluster
        self.connecting = connecting
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { connected = .now }
    }

    func channelActive(context: ChannelHandlerContext) {
        connected = .now
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event, let connected {
            ProxyMetrics.upstreamConnected(cluster: cluster, connect: connected - connecting, tlsHandshake: .now - connected)
            context.fireUserInboundEventTriggered(event)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// Waits for the cluster's answer to an upgrade request: a 101 head, or a whole other response.
final class UpgradeAnswerCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<(HTTPResponseHead, ByteBuffer)>
    private var head: HTTPResponseHead?
    private var body = ByteBuffer()
    private var done = false
    static let maximumRefusalBody = 1 << 20

    init(promise: EventLoopPromise<(HTTPResponseHead, ByteBuffer)>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            if head.status == .switchingProtocols {
                done = true
                // Stop reading until the splice is in place.
                promise.succeed((head, ByteBuffer()))
            }
        case .body(var chunk):
            if body.readableBytes < Self.maximumRefusalBody { body.writeBuffer(&chunk) }
        case .end:
            done = true
            if let head { promise.succeed((head, body)) } else { promise.fail(ChannelError.inputClosed) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            promise.fail(ChannelError.inputClosed)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if !done {
            done = true
            promise.fail(error)
        }
        context.close(promise: nil)
    }
}
