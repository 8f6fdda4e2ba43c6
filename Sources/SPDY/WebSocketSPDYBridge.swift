import NIOCore
import NIOWebSocket

/// Carries a SPDY byte stream in WebSocket binary messages, as Kubernetes does for
/// `Sec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io` (client-go TunnelingConnection).
///
/// Place it between NIOWebSocket's frame codec and `SPDYSessionHandler`. Message boundaries
/// mean nothing: spdystream writes each frame field by field, one message per write, so the
/// payloads are simply concatenated. Outbound bytes leave as one unmasked binary message per
/// write (a server never masks). Pings are answered; a close is echoed and the channel closed.
public final class WebSocketSPDYBridge: ChannelDuplexHandler {
    public typealias InboundIn = WebSocketFrame
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = WebSocketFrame

    private var closing = false

    public init() {}

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .binary, .continuation:
            context.fireChannelRead(wrapInboundOut(frame.unmaskedData))
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            guard !closing else { context.close(promise: nil); return }
            closing = true
            let echo = WebSocketFrame(fin: true, opcode: .connectionClose, data: frame.unmaskedData)
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(echo)).whenComplete { _ in bound.value.close(promise: nil) }
        default:
            // Text frames have no meaning here (client-go refuses them too).
            context.close(promise: nil)
        }
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let frame = WebSocketFrame(fin: true, opcode: .binary, data: unwrapOutboundIn(data))
        context.write(wrapOutboundOut(frame), promise: promise)
    }
}
