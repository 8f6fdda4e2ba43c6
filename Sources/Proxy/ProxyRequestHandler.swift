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
        let claimed = core.claimRouting(forCluster: try? ClusterRoute.parse(request.head.uri).cluster)
        let exchange = ProxyExchange(core: core, routing: claimed.routing, cluster: claimed.cluster, facts: facts, head: request.head,
                                     body: request.body, writer: writer)
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

/// Writes a response to a channel without a thread hop per write: writes are queued to the
/// channel's event loop in order, and the writer waits only once `maximumUnwritten` bytes are
/// queued and not yet written, so a slow client slows the upstream read (backpressure) and a
/// 1 GB answer passes in constant memory.
///
/// `@unchecked Sendable`: the counters are touched only by the one task that serves the
/// request, in order; the writer is never shared between tasks.
final class ChannelResponseWriter: ResponseWriter, @unchecked Sendable {
    let channel: Channel
    let version: HTTPVersion
    let keepAlive: Bool
    static let maximumUnwritten = 256 * 1024
    private var unwritten: [(written: EventLoopFuture<Void>, bytes: Int)] = []
    private var unwrittenBytes = 0

    init(channel: Channel, version: HTTPVersion, keepAlive: Bool) {
        self.channel = channel
        self.version = version
        self.keepAlive = keepAlive
    }
    let progress = ResponseProgress()

    func head(status: Int, headers: [(String, String)]) async throws {
        var head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: status))
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if version.major == 1, !head.headers.contains(name: "content-length") {
            head.headers.replaceOrAdd(name: "transfer-encoding", value: "chunked")
        }
        progress.markStarted()
        // Flushed at once: a watch or `logs -f` shows its head before its first event.
        channel.writeAndFlush(HTTPServerResponsePart.head(head), promise: nil)
    }

    func body(_ chunk: ByteBuffer) async throws {
        // The client went away: stop reading the upstream (a watch would otherwise run on).
        guard channel.isActive else { throw ChannelError.ioOnClosedChannel }
        unwritten.append((write(.body(.byteBuffer(chunk))), chunk.readableBytes))
        unwrittenBytes += chunk.readableBytes
        while unwrittenBytes > Self.maximumUnwritten, !unwritten.isEmpty {
            let oldest = unwritten.removeFirst()
            unwrittenBytes -= oldest.bytes
            try await oldest.written.get()
        }
    }

    func end() async throws {
        let written = write(.end(nil))
        unwritten.removeAll()
        unwrittenBytes = 0
        if !keepAlive {
            try? await written.get()
            try? await channel.close()
        }
    }

    /// Queues a write and flush on the channel's event loop; the future says when it is written.
    private func write(_ part: HTTPServerResponsePart) -> EventLoopFuture<Void> {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.writeAndFlush(part, promise: promise)
        return promise.futureResult
    }

    func abort() async {
        try? await channel.close()
    }

    func status(_ status: KubernetesStatus, auditID: UUID) async {
        let body = status.bytes
        do {
            try await head(status: status.code, headers: [
                ("content-type", "application/json"), ("content-length", String(body.count)),
                ("audit-id", auditID.uuidString.lowercased()), ("cache-control", "no-cache, private"),
            ])
            try await self.body(ByteBuffer(bytes: body))
            try await end()
        } catch {
            await abort()
        }
    }
}

/// Whether a response's head went out to the client.
final class ResponseProgress: Sendable {
    private let started = Atomic<Bool>(false)
    var hasStarted: Bool { started.load(ordering: .acquiring) }
    func markStarted() { started.store(true, ordering: .releasing) }
}
