import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
@testable import SPDY

/// Serves kubectl's discovery and pod GETs over NIOHTTP1, and upgrades
/// `GET …/portforward` with `Sec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io` to a
/// WebSocket whose binary messages carry SPDY (WebSocketSPDYBridge + SPDYSessionHandler).
enum WebSocketProbe {
    static func bind(group: EventLoopGroup, log: NIOLockedValueBox<[String]>) throws -> any Channel {
        try ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let upgrader = NIOWebSocketServerUpgrader(
                    // spdystream sends up to 32 KiB of data per SPDY frame, one frame field per
                    // message; NIO's default 16 KiB frame limit would refuse a full data frame.
                    maxFrameSize: 1 << 20,
                    automaticErrorHandling: true,
                    shouldUpgrade: { channel, head in
                        let offered = head.headers["Sec-WebSocket-Protocol"].flatMap { $0.split(separator: ",") }
                            .map { $0.trimmingCharacters(in: .whitespaces) }
                        log.withLockedValue { $0.append("websocket \(head.uri) protocols \(offered.joined(separator: ","))") }
                        guard head.uri.contains("/portforward"), offered.contains("SPDY/3.1+portforward.k8s.io") else {
                            return channel.eventLoop.makeSucceededFuture(nil)
                        }
                        return channel.eventLoop.makeSucceededFuture(["Sec-WebSocket-Protocol": "SPDY/3.1+portforward.k8s.io"])
                    },
                    upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            // The HTTP handler must go too: it sits in front of where the
                            // upgrader puts our handlers.
                            let http = try channel.pipeline.syncOperations.context(handlerType: DiscoveryHandler.self)
                            channel.pipeline.syncOperations.removeHandler(context: http, promise: nil)
                            let spdy = try SPDYSessionHandler(role: .server, configuration: .kubernetes, delegate: FakePortForward(log: log))
                            try channel.pipeline.syncOperations.addHandlers([WebSocketSPDYBridge(), spdy])
                        }
                    })
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                    try channel.pipeline.syncOperations.addHandler(DiscoveryHandler(log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
    }
}

/// Answers discovery and the pod with UpgradeProbeHandler's JSON; 404 otherwise.
final class DiscoveryHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let log: NIOLockedValueBox<[String]>
    var uri = ""

    init(log: NIOLockedValueBox<[String]>) { self.log = log }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            uri = head.uri
            log.withLockedValue { $0.append("request \(head.method) \(head.uri)") }
        case .body:
            break
        case .end:
            let body = UpgradeProbeHandler.discovery(uri)
            var headers: HTTPHeaders = ["Content-Type": "application/json", "Content-Length": "\(body?.utf8.count ?? 0)"]
            headers.add(name: "Connection", value: "keep-alive")
            let head = HTTPResponseHead(version: .http1_1, status: body == nil ? .notFound : .ok, headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            if let body { context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil) }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
