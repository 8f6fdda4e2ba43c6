import NIOCore

/// One side of a byte splice between the client's connection and the cluster's, after both
/// agreed to switch protocols (101). Reads on one side become writes on the other, read only
/// while the other side can take them (backpressure), half-closes pass through, and a close of
/// either closes both. It counts bytes for the audit event. Both channels share an event loop.
///
/// After swift-nio-ssh's GlueHandler.
final class SpliceHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Which connection of the splice.
    enum Side: Sendable { case client, upstream }

    private var partner: SpliceHandler?
    private var context: ChannelHandlerContext?
    private var pendingRead = false
    /// Bytes read from this side's channel.
    private(set) var bytesRead: Int64 = 0
    private let onClose: (SpliceHandler) -> Void
    /// Sees every buffer read from this side before it is passed on (the session recorder's tap);
    /// it must not keep the event loop.
    private let observe: ((ByteBuffer) -> Void)?

    private init(onClose: @escaping (SpliceHandler) -> Void, observe: ((ByteBuffer) -> Void)?) {
        self.onClose = onClose
        self.observe = observe
    }

    /// Two partnered handlers: put `client` on the client's channel and `upstream` on the
    /// cluster's. `onClose` gets the bytes each side sent and the side that closed first.
    static func pair(onClose: @escaping (_ client: Int64, _ upstream: Int64, _ closedFirst: Side) -> Void,
                     observe: ((Side, ByteBuffer) -> Void)? = nil) -> (client: SpliceHandler, upstream: SpliceHandler) {
        var reported = false
        var clientHandler: SpliceHandler?
        var upstreamHandler: SpliceHandler?
        let report: (SpliceHandler) -> Void = { closing in
            guard !reported, let client = clientHandler, let upstream = upstreamHandler else { return }
            reported = true
            onClose(client.bytesRead, upstream.bytesRead, closing === client ? .client : .upstream)
        }
        let client = SpliceHandler(onClose: report, observe: observe.map { observe in { observe(.client, $0) } })
        let upstream = SpliceHandler(onClose: report, observe: observe.map { observe in { observe(.upstream, $0) } })
        client.partner = upstream
        upstream.partner = client
        clientHandler = client
        upstreamHandler = upstream
        return (client, upstream)
    }

    private var partnerWritable: Bool { context?.channel.isWritable ?? false }

    private func partnerBecameWritable() {
        if pendingRead {
            pendingRead = false
            context?.read()
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isWritable { partner?.partnerBecameWritable() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        bytesRead += Int64(buffer.readableBytes)
        observe?(buffer)
        partner?.context?.write(wrapOutboundOut(buffer), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.context?.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        onClose(self)
        partner?.context?.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            partner?.context?.close(mode: .output, promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
        partner?.context?.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.partnerBecameWritable() }
    }

    func read(context: ChannelHandlerContext) {
        if let partner, partner.partnerWritable {
            context.read()
        } else {
            pendingRead = true
        }
    }
}
