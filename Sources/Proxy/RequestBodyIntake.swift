import NIOCore
import NIOHTTP1

/// One request as the exchange takes it: the head, and the body as it arrives.
struct ProxyRequest {
    let head: HTTPRequestHead
    let body: RequestBody
}

/// Turns request parts into `ProxyRequest`s, handing the body on as it arrives with
/// backpressure: while the exchange has `highWatermark` chunks unread, the channel's reads
/// are held, so a slow upstream slows the client instead of filling the proxy's memory.
///
/// A request is passed on at its first body part, or at its end when it has none (so a GET
/// costs no body machinery). When the exchange answers without reading the body (a refusal),
/// the rest is read and dropped so an HTTP/1.1 connection can carry its next request.
final class RequestBodyIntake: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = ProxyRequest
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Chunks the exchange may have waiting before reads stop, and where they start again.
    static let backPressure = NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark(lowWatermark: 2, highWatermark: 8)

    private enum State {
        case idle
        /// The head arrived; nothing is passed on yet.
        case headReceived(HTTPRequestHead)
        /// The body flows to the exchange.
        case streaming(RequestBody.Chunks.Source)
        /// The exchange does not want the rest of the body.
        case discarding
    }

    private var state = State.idle
    private var context: ChannelHandlerContext?
    /// Counts the connection's requests, so a late demand signal for an earlier body is ignored.
    private var requestNumber = 0
    private var readsHeld = false
    private var readPending = false

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        finishStreaming(RequestBodyError.clientClosed)
        state = .idle
        self.context = nil
        if readPending { context.read() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), _):
            finishStreaming(RequestBodyError.clientClosed)
            requestNumber += 1
            state = .headReceived(head)
        case (.body(let chunk), .headReceived(let head)):
            let new = RequestBody.Chunks.makeSequence(
                backPressureStrategy: Self.backPressure, finishOnDeinit: false,
                delegate: RequestBodyDemand(eventLoop: context.eventLoop, intake: NIOLoopBound(self, eventLoop: context.eventLoop), request: requestNumber))
            state = .streaming(new.source)
            let declared = head.headers.first(name: "content-length").flatMap { Int($0) }
            context.fireChannelRead(wrapInboundOut(ProxyRequest(head: head, body: RequestBody(declaredLength: declared, chunks: new.sequence))))
            hand(chunk, to: new.source, context: context)
        case (.body(let chunk), .streaming(let source)):
            hand(chunk, to: source, context: context)
        case (.end, .headReceived(let head)):
            state = .idle
            context.fireChannelRead(wrapInboundOut(ProxyRequest(head: head, body: RequestBody())))
        case (.end, .streaming(let source)):
            source.finish()
            state = .idle
            resumeReads(context: context)
        case (.end, .discarding):
            state = .idle
        case (.body, .discarding), (.body, .idle), (.end, .idle):
            break
        }
    }

    private func hand(_ chunk: ByteBuffer, to source: RequestBody.Chunks.Source, context: ChannelHandlerContext) {
        switch source.yield(chunk) {
        case .produceMore:
            break
        case .stopProducing:
            readsHeld = true
        case .dropped:
            finishStreaming(nil)
            state = .discarding
            resumeReads(context: context)
        }
    }

    /// The exchange read enough to want more.
    func bodyWanted(request: Int) {
        guard request == requestNumber, case .streaming = state, let context else { return }
        resumeReads(context: context)
    }

    /// The exchange is done with the body (answered, or stopped reading it): drop the rest.
    func bodyAbandoned(request: Int) {
        guard request == requestNumber, case .streaming = state, let context else { return }
        finishStreaming(nil)
        state = .discarding
        resumeReads(context: context)
    }

    /// Ends the body's sequence (a source must be finished before it is let go).
    private func finishStreaming(_ failure: RequestBodyError?) {
        guard case .streaming(let source) = state else { return }
        if let failure { source.finish(failure) } else { source.finish() }
        state = .idle
    }

    func read(context: ChannelHandlerContext) {
        if readsHeld {
            readPending = true
        } else {
            context.read()
        }
    }

    private func resumeReads(context: ChannelHandlerContext) {
        readsHeld = false
        if readPending {
            readPending = false
            context.read()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finishStreaming(RequestBodyError.clientClosed)
        state = .idle
        context.fireChannelInactive()
    }
}
