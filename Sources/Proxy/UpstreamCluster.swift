import AsyncHTTPClient
import NIOCore
import NIOPosix
import NIOSSL

/// One cluster behind the proxy: its API server URL, the proxy's own credentials for it, and a
/// pooled HTTP client (HTTP/2 where the server offers it, keep-alive HTTP/1.1 otherwise).
public final class UpstreamCluster: Sendable {
    public let name: String
    /// `https://host:port`, without a trailing slash.
    public let server: String
    /// A bearer token the proxy presents upstream, when the cluster authenticates it that way.
    public let token: String?
    let client: HTTPClient
    /// TLS for the upgrade connections, which go around the pool (HTTP/1.1 only).
    let upgradeTLS: NIOSSLContext
    let host: String
    let port: Int

    /// Pool sizes and idle time for the upstream connections.
    public struct Pool: Sendable {
        public var maximumConnectionsPerHost: Int
        public var idleTimeout: TimeAmount
        public init(maximumConnectionsPerHost: Int = 10, idleTimeout: TimeAmount = .seconds(90)) {
            self.maximumConnectionsPerHost = maximumConnectionsPerHost
            self.idleTimeout = idleTimeout
        }
    }

    public init(name: String, server: String, caCertificates: [NIOSSLCertificate], clientCertificateChain: [NIOSSLCertificate] = [],
                clientKey: NIOSSLPrivateKey? = nil, token: String? = nil, pool: Pool = Pool(),
                eventLoopGroup: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.name = name
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.token = token
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if !caCertificates.isEmpty { tls.trustRoots = .certificates(caCertificates) }
        if let clientKey, !clientCertificateChain.isEmpty {
            tls.certificateChain = clientCertificateChain.map { .certificate($0) }
            tls.privateKey = .privateKey(clientKey)
        }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow, decompression: .disabled)
        configuration.connectionPool = .init(idleTimeout: pool.idleTimeout, concurrentHTTP1ConnectionsPerHostSoftLimit: pool.maximumConnectionsPerHost)
        configuration.httpVersion = .automatic
        self.client = HTTPClient(eventLoopGroupProvider: .shared(eventLoopGroup), configuration: configuration)
        var upgrade = tls
        upgrade.applicationProtocols = ["http/1.1"]
        self.upgradeTLS = try NIOSSLContext(configuration: upgrade)
        let authority = self.server.replacing("https://", with: "").split(separator: "/").first.map(String.init) ?? ""
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            self.host = String(authority[authority.index(after: authority.startIndex)..<close])
            self.port = Int(authority[close...].dropFirst(2)) ?? 443
        } else if let colon = authority.lastIndex(of: ":") {
            self.host = String(authority[..<colon])
            self.port = Int(authority[authority.index(after: colon)...]) ?? 443
        } else {
            self.host = authority
            self.port = 443
        }
    }

    static func isIPAddress(_ host: String) -> Bool {
        host.contains(":") || host.split(separator: ".").count == 4 && host.split(separator: ".").allSatisfy { UInt8($0) != nil }
    }

    /// Closes the pool.
    public func shutdown() async throws { try await client.shutdown() }
}
