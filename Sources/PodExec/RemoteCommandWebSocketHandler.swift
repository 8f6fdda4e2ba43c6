import NIOCore
import NIOWebSocket

/// An error that carries the exact Status to send on the error channel (e.g. from a
/// `makeTarget` closure that wants a specific failure shown to the client).
public struct RemoteCommandFailure: Error, Sendable {
    public var status: RemoteCommandStatus

    public init(status: RemoteCommandStatus) {
        self.status = status
    }
}

/// Serves one exec/attach session on an upgraded WebSocket connection (after NIOWebSocket's
/// frame codec): client messages go to a `RemoteCommandTarget`, its output comes back as channel
/// messages, and when it ends the status goes on the error channel and the connection is
/// closed with 1000 (normal closure), which kubectl reads as the end of every stream.
///
/// What a Kubernetes server does, in order: an empty message on the lowest writable stream
/// ("connected"); stdin (0) and resize (4) from the client, the v5 CLOSE signal; stdout (1) and
/// stderr (2) only if requested; the Status (3); the close. Pings are answered. A client close or
/// a dropped connection cancels the target (an exec's process is killed).
///
/// Flow control: while more than `maximumPendingStdinBytes` of stdin are not yet taken by the
/// target, the handler stops reading the socket; while the socket is not writable, the target is
/// asked to pause its output.
public final class RemoteCommandWebSocketHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = WebSocketFrame
    public typealias OutboundIn = WebSocketFrame
    public typealias OutboundOut = WebSocketFrame

    private enum State {
        /// Waiting for the target (events are queued).
        case starting
        case running
        /// Our close frame is out; waiting for the client's.
        case closing
        case closed
    }

    private let options: RemoteCommandOptions
    private let remoteCommandProtocol: RemoteCommandProtocol
    private let targetFuture: EventLoopFuture<any RemoteCommandTarget>
    private let maximumPendingStdinBytes: Int
    private let closeTimeout: TimeAmount

    private var state: State = .starting
    private var parser: RemoteCommandMessageParser
    private var resizeDecoder = TerminalSizeStreamDecoder()
    private var target: (any RemoteCommandTarget)?
    private var queuedEvents: [RemoteCommandInbound] = []
    private var pendingStdinBytes = 0
    private var readHeldBack = false
    private var closeDeadline: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    /// - Parameters:
    ///   - protocol: the negotiated subprotocol.
    ///   - options: the streams the request asked for.
    ///   - target: what to connect to; a failed future ends the session with an error Status.
    ///   - maximumPendingStdinBytes: stdin the target may have outstanding before reads stop.
    ///   - closeTimeout: how long to wait for the client's close frame after ours.
    public init(
        protocol remoteCommandProtocol: RemoteCommandProtocol,
        options: RemoteCommandOptions,
        target: EventLoopFuture<any RemoteCommandTarget>,
        maximumPendingStdinBytes: Int = 256 * 1024,
        closeTimeout: TimeAmount = .seconds(5)
    ) {
        self.remoteCommandProtocol = remoteCommandProtocol
        self.options = options
        self.targetFuture = target
        self.parser = RemoteCommandMessageParser(protocol: remoteCommandProtocol)
        self.maximumPendingStdinBytes = maximumPendingStdinBytes
        self.closeTimeout = closeTimeout
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // Kubernetes' "connection established" signal.
        self.send(RemoteCommandMessage.data(bytes: [], on: self.options.firstWritableStream, allocator: context.channel.allocator), context: context)
        context.flush()

        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        self.targetFuture.hop(to: loop).whenComplete { result in
            handler.value.targetResolved(result)
        }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.closeDeadline?.cancel()
        self.closeDeadline = nil
    }

    // MARK: Inbound

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        switch frame.opcode {
        case .connectionClose:
            self.clientClosed(frame, context: context)
        case .ping:
            guard self.state != .closed, self.state != .closing else { return }
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(Self.wrapOutboundOut(pong), promise: nil)
        case .binary, .text, .continuation:
            self.dataFrame(frame, context: context)
        default:
            break
        }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        let wasLive = self.state == .starting || self.state == .running
        self.state = .closed
        self.closeDeadline?.cancel()
        self.closeDeadline = nil
        if wasLive {
            self.target?.cancel()
        }
        self.target = nil
        self.queuedEvents = []
        context.fireChannelInactive()
    }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.target?.setOutputDemand(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    public func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    // MARK: Outbound

    public func read(context: ChannelHandlerContext) {
        if self.pendingStdinBytes >= self.maximumPendingStdinBytes {
            self.readHeldBack = true
        } else {
            context.read()
        }
    }

    // MARK: Target

    private func targetResolved(_ result: Result<any RemoteCommandTarget, Error>) {
        guard let context = self.context else {
            if case .success(let target) = result { target.cancel() }
            return
        }
        switch result {
        case .failure(let error):
            self.queuedEvents = []
            self.finish(Self.status(for: error), context: context)
        case .success(let target):
            guard self.state == .starting else {
                target.cancel()
                return
            }
            self.state = .running
            self.target = target
            target.start(output: RemoteCommandSessionOutput(handler: NIOLoopBound(self, eventLoop: context.eventLoop), eventLoop: context.eventLoop))
            if !context.channel.isWritable { target.setOutputDemand(false) }
            let queued = self.queuedEvents
            self.queuedEvents = []
            for event in queued { self.deliver(event, to: target, context: context) }
        }
    }

    fileprivate func targetWrote(_ bytes: ByteBuffer, to stream: RemoteCommandOutputStream) {
        guard let context = self.context, self.state == .running, self.options.emits(stream.channel) else { return }
        self.send(RemoteCommandMessage.data(bytes, on: stream.channel, allocator: context.channel.allocator), context: context)
        context.flush()
    }

    fileprivate func targetFinished(_ status: RemoteCommandStatus) {
        guard let context = self.context, self.state == .running else { return }
        self.target = nil
        self.finish(status, context: context)
    }

    /// Sends the status and our close frame, then waits (bounded) for the client's close.
    private func finish(_ status: RemoteCommandStatus, context: ChannelHandlerContext) {
        guard self.state == .starting || self.state == .running else { return }
        let payload = self.remoteCommandProtocol.carriesStatusObject ? status.jsonBytes : status.plainTextBytes
        if self.remoteCommandProtocol.carriesStatusObject || !payload.isEmpty {
            self.send(RemoteCommandMessage.data(bytes: payload, on: .error, allocator: context.channel.allocator), context: context)
        }
        self.sendClose(.normalClosure, context: context)
    }

    private func sendClose(_ code: WebSocketErrorCode, context: ChannelHandlerContext) {
        self.state = .closing
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        context.writeAndFlush(Self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)), promise: nil)
        let channel = context.channel
        self.closeDeadline = context.eventLoop.scheduleTask(in: self.closeTimeout) {
            channel.close(promise: nil)
        }
        // Keep reading so the client's close frame (or EOF) is seen even if stdin was backed up.
        self.pendingStdinBytes = 0
        if self.readHeldBack {
            self.readHeldBack = false
            context.read()
        }
    }

    private func clientClosed(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        switch self.state {
        case .closing:
            // The client answered our close: the session is over.
            self.state = .closed
            context.close(promise: nil)
        case .starting, .running:
            // The client is leaving: echo its close code, then hang up.
            self.target?.cancel()
            self.target = nil
            self.state = .closed
            var data = frame.unmaskedData
            let code = data.readWebSocketErrorCode() ?? .normalClosure
            var reply = context.channel.allocator.buffer(capacity: 2)
            reply.write(webSocketErrorCode: code)
            let closeFrame = WebSocketFrame(fin: true, opcode: .connectionClose, data: reply)
            let channel = context.channel
            context.writeAndFlush(Self.wrapOutboundOut(closeFrame)).whenComplete { _ in
                channel.close(promise: nil)
            }
        case .closed:
            break
        }
    }

    private func dataFrame(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        guard self.state == .starting || self.state == .running else { return }
        let event: RemoteCommandInbound?
        do {
            event = try self.parser.parseFrame(
                frame.unmaskedData,
                isContinuation: frame.opcode == .continuation,
                isFinal: frame.fin
            )
        } catch {
            // Kubernetes stops serving the connection on a malformed message.
            self.target?.cancel()
            self.target = nil
            self.queuedEvents = []
            self.sendClose(.protocolError, context: context)
            return
        }
        guard let event else { return }
        if case .data(.stdin, let bytes) = event, self.options.stdin {
            self.pendingStdinBytes += bytes.readableBytes
        }
        if let target = self.target {
            self.deliver(event, to: target, context: context)
        } else {
            self.queuedEvents.append(event)
        }
    }

    private func deliver(_ event: RemoteCommandInbound, to target: any RemoteCommandTarget, context: ChannelHandlerContext) {
        switch event {
        case .data(.stdin, let bytes):
            guard self.options.stdin else { return }
            let count = bytes.readableBytes
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            target.writeStdin(bytes).hop(to: context.eventLoop).whenComplete { _ in
                handler.value.stdinTaken(count)
            }
        case .data(.resize, let bytes):
            self.resizeDecoder.append(bytes.readableBytesView)
            while let size = try? self.resizeDecoder.next() {
                if self.options.tty { target.resize(size) }
            }
        case .data:
            break  // stdout/stderr/error from a client: not readable channels, dropped
        case .close(.stdin):
            if self.options.stdin { target.closeStdin() }
        case .close:
            break
        }
    }

    private func stdinTaken(_ count: Int) {
        guard self.state == .running || self.state == .starting else { return }
        self.pendingStdinBytes -= count
        if self.readHeldBack && self.pendingStdinBytes < self.maximumPendingStdinBytes, let context = self.context {
            self.readHeldBack = false
            context.read()
        }
    }

    private func send(_ message: ByteBuffer, context: ChannelHandlerContext) {
        let frame = WebSocketFrame(fin: true, opcode: .binary, data: message)
        context.write(Self.wrapOutboundOut(frame), promise: nil)
    }

    /// The Status for a target that could not be started.
    static func status(for error: Error) -> RemoteCommandStatus {
        switch error {
        case let failure as RemoteCommandFailure:
            return failure.status
        case let processError as PodProcessError:
            return .internalError("error executing command in container: \(processError)")
        default:
            return .internalError("\(error)")
        }
    }
}

@available(*, unavailable)
extension RemoteCommandWebSocketHandler: Sendable {}

/// The session's `RemoteCommandOutput`: hops the target's calls onto the connection's loop.
private struct RemoteCommandSessionOutput: RemoteCommandOutput {
    let handler: NIOLoopBound<RemoteCommandWebSocketHandler>
    let eventLoop: EventLoop

    func write(_ bytes: ByteBuffer, to stream: RemoteCommandOutputStream) {
        if self.eventLoop.inEventLoop {
            self.handler.value.targetWrote(bytes, to: stream)
        } else {
            let handler = self.handler
            self.eventLoop.execute { handler.value.targetWrote(bytes, to: stream) }
        }
    }

    func finish(_ status: RemoteCommandStatus) {
        if self.eventLoop.inEventLoop {
            self.handler.value.targetFinished(status)
        } else {
            let handler = self.handler
            self.eventLoop.execute { handler.value.targetFinished(status) }
        }
    }
}
