import KubeAPI
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL

/// The emulator's HTTPS listener: TLS 1.2+, ALPN h2 and http/1.1, client certificates.
public final class EmulatorServer: Sendable {
    /// Bytes each HTTP/2 stream may upload ahead of what the emulator has read (kube-apiserver: 256 KiB).
    static let uploadWindow = 256 * 1024
    public let api: EmulatedAPIServer
    let tls: NIOSSLContext
    let group: EventLoopGroup
    let upgrades: UpgradeRouting

    /// TLS material: the server's chain and key, and the CAs that sign client certificates.
    public struct TLSMaterial: Sendable {
        public var certificateChain: [NIOSSLCertificate]
        public var privateKey: NIOSSLPrivateKey
        public var clientCAs: [NIOSSLCertificate]

        public init(certificateChain: [NIOSSLCertificate], privateKey: NIOSSLPrivateKey, clientCAs: [NIOSSLCertificate]) {
            self.certificateChain = certificateChain
            self.privateKey = privateKey
            self.clientCAs = clientCAs
        }
    }

    public init(api: EmulatedAPIServer, tls material: TLSMaterial, group: EventLoopGroup) throws {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: material.certificateChain.map { .certificate($0) }, privateKey: .privateKey(material.privateKey))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["h2", "http/1.1"]
        if material.clientCAs.isEmpty {
            configuration.certificateVerification = .none
        } else {
            // Optional, so bearer-token callers without a certificate still connect; a presented
            // certificate must chain to a client CA or the handshake fails.
            configuration.certificateVerification = .optionalVerification
            configuration.trustRoots = .certificates(material.clientCAs)
            configuration.sendCANameList = true
        }
        self.tls = try NIOSSLContext(configuration: configuration)
        self.api = api
        self.group = group
        self.upgrades = UpgradeRouting(api: api)
    }

    /// Binds and starts accepting; returns the bound channel (its `localAddress` has the port).
    public func start(host: String, port: Int) async throws -> Channel {
        let tls = self.tls
        let api = self.api
        let upgrades = self.upgrades
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                }.flatMap {
                    channel.configureHTTP2SecureUpgrade(
                        h2ChannelConfigurator: { channel in
                            let user = Self.certificateUser(channel)
                            // kube-apiserver lets each stream upload 256 KiB ahead (MaxUploadBufferPerStream);
                            // HTTP/2's default 64 KiB holds an upload to a fraction of HTTP/1.1's speed.
                            return channel.configureHTTP2Pipeline(
                                mode: .server, initialLocalSettings: nioDefaultSettings + [HTTP2Setting(parameter: .initialWindowSize, value: Self.uploadWindow)],
                                targetWindowSize: Self.uploadWindow
                            ) { stream in
                                stream.eventLoop.makeCompletedFuture {
                                    try stream.pipeline.syncOperations.addHandlers([
                                        HTTP2FramePayloadToHTTP1ServerCodec(),
                                        HTTPRequestHandler(api: api, certificateUser: user),
                                    ])
                                }
                            }.map { _ in }
                        },
                        http1ChannelConfigurator: { channel in
                            let user = Self.certificateUser(channel)
                            let handler = HTTPRequestHandler(api: api, certificateUser: user)
                            return channel.eventLoop.makeCompletedFuture {
                                try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                                    withServerUpgrade: (
                                        upgraders: upgrades.upgraders(certificateUser: user),
                                        completionHandler: { context in
                                            // After an upgrade the connection is no longer HTTP.
                                            if let handler = try? context.pipeline.syncOperations.handler(type: HTTPRequestHandler.self) {
                                                context.pipeline.syncOperations.removeHandler(handler, promise: nil)
                                            }
                                        }
                                    ),
                                    withErrorHandling: true)
                                try channel.pipeline.syncOperations.addHandler(handler)
                            }
                        })
                }
            }
            .bind(host: host, port: port).get()
    }

    /// The identity in the connection's verified client certificate, if it presented one.
    static func certificateUser(_ channel: Channel) -> UserIdentity? {
        guard let certificate = try? channel.pipeline.syncOperations.nioSSL_peerCertificate() else { return nil }
        return try? CertificateIdentity.user(of: certificate)
    }
}
