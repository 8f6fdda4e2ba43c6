import Foundation
import Synchronization
import KubeAPI
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL

/// The proxy's listener: TLS 1.2+, ALPN h2 and http/1.1, client certificates optional (bearer
/// callers have none); each connection's verified certificate chain is read on its own pipeline.
public final class ProxyServer: Sendable {
    /// Bytes each HTTP/2 stream may upload ahead of what the proxy has forwarded (kube-apiserver: 256 KiB).
    static let uploadWindow = 256 * 1024
    public let core: ProxyCore
    /// A mutex: each new connection reads the context once; a reload swaps it. Connections
    /// already open keep the one they were accepted with.
    let tls: Mutex<NIOSSLContext>
    let group: EventLoopGroup
    let connectionCounter = ConnectionCounter()

    public init(core: ProxyCore, certificateChain: [NIOSSLCertificate], privateKey: NIOSSLPrivateKey, clientCAs: [NIOSSLCertificate],
                group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.tls = Mutex(try Self.context(certificateChain: certificateChain, privateKey: privateKey, clientCAs: clientCAs))
        self.core = core
        self.group = group
    }

    /// Uses a new certificate, key and client CAs for connections accepted from now on.
    public func replaceTLS(certificateChain: [NIOSSLCertificate], privateKey: NIOSSLPrivateKey, clientCAs: [NIOSSLCertificate]) throws {
        let context = try Self.context(certificateChain: certificateChain, privateKey: privateKey, clientCAs: clientCAs)
        tls.withLock { $0 = context }
    }

    static func context(certificateChain: [NIOSSLCertificate], privateKey: NIOSSLPrivateKey, clientCAs: [NIOSSLCertificate]) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificateChain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["h2", "http/1.1"]
        if clientCAs.isEmpty {
            configuration.certificateVerification = .none
        } else {
            configuration.certificateVerification = .optionalVerification
            configuration.trustRoots = .certificates(clientCAs)
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// Binds and starts accepting; the returned channel's local address has the port.
    public func start(host: String, port: Int) async throws -> Channel {
        let server = self
        let core = self.core
        let counter = self.connectionCounter
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                // The client's certificate is asked for but not judged in the handshake: like
                // kube-apiserver, the proxy verifies it (chain, validity, deny-list) per request, so
                // an expired or foreign certificate gets a 401 Status and an audit event instead of
                // a bare handshake failure nobody records.
                let presented = PresentedCertificateChain()
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(
                        context: server.tls.withLock { $0 },
                        customVerificationCallbackWithMetadata: { certificates, promise in
                            presented.record(certificates)
                            promise.succeed(.certificateVerified(VerificationMetadata(nil)))
                        }))
                }.flatMap {
                    channel.configureHTTP2SecureUpgrade(
                        h2ChannelConfigurator: { channel in
                            let facts = Self.facts(channel, presented: presented, counter: counter)
                            // As kube-apiserver: each stream may upload 256 KiB ahead of what the proxy has
                            // forwarded; HTTP/2's default 64 KiB held uploads to a tenth of HTTP/1.1's speed.
                            return channel.configureHTTP2Pipeline(
                                mode: .server, initialLocalSettings: nioDefaultSettings + [HTTP2Setting(parameter: .initialWindowSize, value: Self.uploadWindow)],
                                targetWindowSize: Self.uploadWindow
                            ) { stream in
                                stream.eventLoop.makeCompletedFuture {
                                    try stream.pipeline.syncOperations.addHandlers([
                                        HTTP2FramePayloadToHTTP1ServerCodec(), RequestBodyIntake(), ProxyRequestHandler(core: core, facts: facts),
                                    ])
                                }
                            }.map { _ in }
                        },
                        http1ChannelConfigurator: { channel in
                            let facts = Self.facts(channel, presented: presented, counter: counter)
                            return channel.eventLoop.makeCompletedFuture {
                                // Built by hand, with names, so an upgrade can take it apart again;
                                // the decoder hands on bytes left after a request that switches protocols.
                                let sync = channel.pipeline.syncOperations
                                try sync.addHandler(HTTPResponseEncoder(), name: "response-encoder")
                                try sync.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)), name: "request-decoder")
                                try sync.addHandler(HTTPServerPipelineHandler(), name: "pipelining")
                                try sync.addHandler(HTTPServerProtocolErrorHandler(), name: "protocol-errors")
                                try sync.addHandler(RequestBodyIntake(), name: "request-body")
                                try sync.addHandler(ProxyRequestHandler(core: core, facts: facts), name: "proxy-request")
                            }
                        })
                }
            }
            .bind(host: host, port: port).get()
    }

    static func facts(_ channel: Channel, presented: PresentedCertificateChain, counter: ConnectionCounter) -> ConnectionFacts {
        let address = channel.remoteAddress?.ipAddress ?? "unknown"
        return ConnectionFacts(peerCertificateChain: presented.chain, remoteAddress: address, connectionID: "c\(counter.next())")
    }
}

/// The certificate chain a client presented in its handshake (leaf first, DER), unverified:
/// the certificate authenticator judges it.
///
/// A mutex: written once by the handshake's verification callback, read once when the
/// connection's pipeline is built, both on the connection's event loop.
final class PresentedCertificateChain: Sendable {
    private let certificates = Mutex<[[UInt8]]>([])

    func record(_ chain: [NIOSSLCertificate]) {
        let der = chain.compactMap { try? $0.toDERBytes() }
        certificates.withLock { $0 = der }
    }

    var chain: [[UInt8]] { certificates.withLock { $0 } }
}

/// Numbers connections for their ids.
final class ConnectionCounter: Sendable {
    private let value = Atomic<Int>(0)
    func next() -> Int { value.add(1, ordering: .relaxed).newValue }
}
