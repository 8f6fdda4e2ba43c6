import Foundation
import KubeAPI
import NIOCore
import NIOHTTP1
import Synchronization

/// Collects one request (HTTP/1.1 connection or HTTP/2 stream) and runs it through a
/// `ProxyExchange`, which streams the answer back.
///
/// Request bodies are read whole up to `maximumRequestBody` (kube-apiserver refuses bodies over
/// 3 MiB); responses stream chunk by chunk with backpressure.
final class ProxyRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let maximumRequestBody = 3 * 1024 * 1024 + 1024

    private enum State {
        case idle
        case receiving(HTTPRequestHead, [UInt8], tooLarge: Bool)
        case responding
    }

    private let core: ProxyCore
    private let facts: ConnectionFacts
    private var state = State.idle
    /// The exchange serving the current request and its writer; cancelled when the client goes
    /// away after the response started.
    private var running: (task: Task<Void, Never>, writer: ChannelResponseWriter)?

    init(core: ProxyCore, facts: ConnectionFacts) {
        self.core = core
        self.facts = facts
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .idle), (.head(let head), .responding):
            state = .receiving(head, [], tooLarge: false)
        case (.body(var buffer), .receiving(let head, var body, let tooLarge)):
            if !tooLarge, body.count + buffer.readableBytes <= Self.maximumRequestBody {
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
                state = .receiving(head, body, tooLarge: false)
            } else {
                state = .receiving(head, [], tooLarge: true)
            }
        case (.end, .receiving(let head, let body, let tooLarge)):
            state = .responding
            let writer = ChannelResponseWriter(channel: context.channel, version: head.version, keepAlive: head.isKeepAlive)
            let exchange = ProxyExchange(core: core, routing: core.routing, facts: facts, head: head, body: body, writer: writer)
            let limit = Self.maximumRequestBody
            let task = Task { [exchange, writer, tooLarge, limit] in
                await ExchangeRunner.run(exchange, writer: writer, tooLarge: tooLarge, limit: limit)
            }
            running = (task, writer)
        default:
            break
        }
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

/// Runs an exchange off the event loop (a Swift task), or refuses an oversized body.
enum ExchangeRunner {
    static func run(_ exchange: ProxyExchange, writer: ChannelResponseWriter, tooLarge: Bool, limit: Int) async {
        if tooLarge {
            await writer.status(.requestEntityTooLarge(limit: limit), auditID: .timeOrdered())
        } else {
            await exchange.serve()
        }
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
