import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A tiny HTTPS server on 127.0.0.1 that plays an OIDC issuer's `jwks_uri`: it answers every GET with
/// the JWKS it holds now, which the test can replace (key rotation), and counts what it served.
final class JWKSServer: Sendable {
    /// What the server publishes and how often it was asked.
    final class Published: Sendable {
        let state: Mutex<(document: String, requests: Int)>
        init(_ document: String) { state = Mutex((document, 0)) }
    }

    let published: Published
    let channel: Channel
    let port: Int

    private init(published: Published, channel: Channel, port: Int) {
        self.published = published
        self.channel = channel
        self.port = port
    }

    /// Serves `document` with the PEM certificate and key at these paths.
    static func start(certificatePath: String, keyPath: String, document: String) async throws -> JWKSServer {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem)))
        tls.applicationProtocols = ["http/1.1"]
        let context = try NIOSSLContext(configuration: tls)
        let published = Published(document)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(JWKSResponder(published: published))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return JWKSServer(published: published, channel: channel, port: channel.localAddress?.port ?? 0)
    }

    var url: String { "https://127.0.0.1:\(port)/keys" }
    var requests: Int { published.state.withLock { $0.requests } }
    func publish(_ document: String) { published.state.withLock { $0.document = document } }
    /// Closes the listening socket (without waiting: safe in `defer`).
    func stop() { channel.close(promise: nil) }
}

/// Answers each request with the published JWKS.
private final class JWKSResponder: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let published: JWKSServer.Published

    init(published: JWKSServer.Published) { self.published = published }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        let document = published.state.withLock { state in
            state.requests += 1
            return state.document
        }
        var head = HTTPResponseHead(version: .http1_1, status: .ok)
        head.headers.add(name: "Content-Type", value: "application/jwk-set+json")
        head.headers.add(name: "Content-Length", value: String(document.utf8.count))
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: document)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
