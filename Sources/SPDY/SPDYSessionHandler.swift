import NIOCore

/// Receives what a `SPDYSessionHandler` learns, on the channel's event loop, in wire order.
public protocol SPDYSessionDelegate: AnyObject {
    /// One event from the peer. Actions on `handler` may be called from here.
    func spdySession(_ handler: SPDYSessionHandler, didReceive event: SPDYSessionEvent)
    /// The session ended: the connection closed (`error == nil`), the peer broke the protocol
    /// (`SPDYError`, after GOAWAY was sent), or the channel failed. Called once.
    func spdySessionDidClose(_ handler: SPDYSessionHandler, error: (any Error)?)
    /// The channel's writability changed: stop producing data while it is `false`.
    func spdySession(_ handler: SPDYSessionHandler, writabilityChanged isWritable: Bool)
}

extension SPDYSessionDelegate {
    public func spdySession(_ handler: SPDYSessionHandler, writabilityChanged isWritable: Bool) {}
}

/// Runs a `SPDYSession` on a channel whose inbound and outbound messages are raw SPDY bytes.
///
/// Put it last in the pipeline after the HTTP `Upgrade: SPDY/3.1` 101 (HTTP handlers
/// removed). For `SPDY/3.1+portforward.k8s.io` over WebSocket, put a small handler in front
/// that turns each binary (or continuation) `WebSocketFrame` into its `unmaskedData`
/// ByteBuffer inbound and wraps each outbound ByteBuffer in a binary `WebSocketFrame`
/// (fin: true, unmasked, as a server sends); SPDY frames may span messages and the session
/// does not care. See `WebSocketSPDYBridge` in the tests for a working one, used against the
/// real kubectl. Two NIOWebSocket details matter there: give `NIOWebSocketServerUpgrader` a
/// `maxFrameSize` well above 32 KiB (its 16 KiB default refuses spdystream's data frames),
/// and remove your HTTP handler in `upgradePipelineHandler` (the upgrader appends after it).
///
/// Every action must be called on the channel's event loop; each writes and flushes what it
/// produced and returns the write's future.
public final class SPDYSessionHandler: ChannelInboundHandler {
    public typealias InboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    /// The state machine; read-only use (e.g. `activeStreams`) is fine.
    public let session: SPDYSession
    private var delegate: (any SPDYSessionDelegate)?
    private var context: ChannelHandlerContext?
    private var closed = false

    /// - Parameters:
    ///   - configuration: `.kubernetes` against kubectl or any moby/spdystream peer (they
    ///     have no flow control); the spec's `.init()` only against a windowing peer.
    public init(role: SPDYSession.Role, configuration: SPDYSession.Configuration, delegate: any SPDYSessionDelegate) throws(SPDYError) {
        self.session = try SPDYSession(role: role, configuration: configuration)
        self.delegate = delegate
    }

    // MARK: - Actions

    /// Accepts a stream the peer opened (SYN_REPLY).
    @discardableResult
    public func reply(stream: SPDYStreamID, headers: SPDYHeaderBlock = SPDYHeaderBlock(), fin: Bool = false) throws(SPDYError) -> EventLoopFuture<Void> {
        try emit(session.reply(stream: stream, headers: headers, fin: fin))
    }

    /// Sends bytes on a stream; `fin` half-closes this side.
    @discardableResult
    public func sendData(stream: SPDYStreamID, _ bytes: ByteBuffer, fin: Bool = false) throws(SPDYError) -> EventLoopFuture<Void> {
        try emit(session.sendData(stream: stream, bytes, fin: fin))
    }

    /// Half-closes this side of a stream (an empty DATA frame with FIN).
    @discardableResult
    public func finish(stream: SPDYStreamID) throws(SPDYError) -> EventLoopFuture<Void> {
        try emit(session.sendData(stream: stream, ByteBuffer(), fin: true))
    }

    /// Resets a stream (RST_STREAM).
    @discardableResult
    public func reset(stream: SPDYStreamID, status: SPDYResetStatus = .cancel) -> EventLoopFuture<Void> {
        emit(session.reset(stream: stream, status: status))
    }

    /// Opens a stream (client role; servers in Kubernetes never do).
    public func openStream(headers: SPDYHeaderBlock, fin: Bool = false) throws(SPDYError) -> SPDYStreamID {
        let (stream, output) = try session.openStream(headers: headers, fin: fin)
        emit(output)
        return stream
    }

    /// Sends a PING; the echo arrives as `.ping(id:isReply: true)`.
    @discardableResult
    public func ping() throws(SPDYError) -> UInt32 {
        let (id, output) = try session.ping()
        emit(output)
        return id
    }

    /// Hands consumed bytes back to the peer's window (`WindowRelease.onConsumption`).
    public func consumed(stream: SPDYStreamID, bytes: Int) {
        emit(session.consumed(stream: stream, bytes: bytes))
    }

    /// Sends GOAWAY and closes the connection once it is written.
    public func close(status: SPDYGoAwayStatus = .ok) {
        guard let context, !closed else { return }
        let output = session.goAway(status: status)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(output.bytes)).whenComplete { _ in
            bound.value.close(promise: nil)
        }
    }

    // MARK: - ChannelInboundHandler

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        endSession(error: nil)
        self.context = nil
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closed else { return }
        let output = session.receive(unwrapInboundIn(data))
        // Bytes first: drained DATA must precede anything the delegate sends in reaction.
        if output.bytes.readableBytes > 0 {
            context.writeAndFlush(wrapOutboundOut(output.bytes), promise: nil)
        }
        for event in output.events {
            delegate?.spdySession(self, didReceive: event)
        }
        if let error = output.sessionError {
            endSession(error: error)
            context.close(promise: nil)
        }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        endSession(error: nil)
        context.fireChannelInactive()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        endSession(error: error)
        context.close(promise: nil)
    }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        delegate?.spdySession(self, writabilityChanged: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    // MARK: - Internals

    @discardableResult
    private func emit(_ output: SPDYSessionOutput) -> EventLoopFuture<Void> {
        guard let context else {
            preconditionFailure("SPDYSessionHandler used before it was added to a pipeline")
        }
        context.eventLoop.preconditionInEventLoop()
        guard output.bytes.readableBytes > 0 else { return context.eventLoop.makeSucceededVoidFuture() }
        guard !closed else { return context.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        return context.writeAndFlush(wrapOutboundOut(output.bytes))
    }

    private func endSession(error: (any Error)?) {
        guard !closed else { return }
        closed = true
        let delegate = self.delegate
        self.delegate = nil
        delegate?.spdySessionDidClose(self, error: error)
    }
}
