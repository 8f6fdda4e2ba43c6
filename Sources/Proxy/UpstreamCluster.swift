import AsyncHTTPClient
import Logging
import KubeAPI
import NIOCore
import NIOPosix
import NIOSSL
import Metrics
import Synchronization

/// One cluster behind the proxy: its API server URL, the proxy's own credentials for it, and a
/// pooled HTTP client (HTTP/2 where the server offers it, keep-alive HTTP/1.1 otherwise), and a
/// keep-alive HTTP/1.1 pool for the streams (watches and logs).
public final class UpstreamCluster: Sendable {
    public let name: String
    /// `https://host:port`, without a trailing slash.
    public let server: String
    /// A bearer token the proxy presents upstream, when the cluster authenticates it that way.
    public let token: String?
    let client: HTTPClient
    /// HTTP/1.1 only, for watches and logs: AsyncHTTPClient's HTTP/2 streams read far ahead of a
    /// slow reader (a 256 MiB log raised the proxy's peak memory by ~500 MB over HTTP/2, by
    /// 1.5 MB over HTTP/1.1, where TCP itself holds the cluster back).
    let streamingClient: HTTPClient
    /// TLS for the upgrade connections, which go around the pool (HTTP/1.1 only).
    let upgradeTLS: NIOSSLContext
    let host: String
    let port: Int
    /// The pooled connections: opened, active, and not yet counted as a pool miss.
    let connections: UpstreamConnectionTally
    private let discoveredVersion = Mutex<String>("unknown")

    private let inUse = Atomic<Int>(0)

    /// Requests using this cluster right now; a pool replaced by a reload closes when it is 0.
    public var activeRequests: Int { inUse.load(ordering: .relaxed) }
    func requestStarted() { inUse.add(1, ordering: .relaxed) }
    func requestFinished() { inUse.subtract(1, ordering: .relaxed) }

    /// The cluster's `gitVersion` from `/version`, or "unknown" until `discoverVersion` learns it.
    public var version: String { discoveredVersion.withLock { $0 } }

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
        let connections = UpstreamConnectionTally(cluster: name)
        self.connections = connections
        configuration.http1_1ConnectionDebugInitializer = { channel in
            connections.opened(channel)
            return channel.eventLoop.makeSucceededVoidFuture()
        }
        configuration.http2ConnectionDebugInitializer = configuration.http1_1ConnectionDebugInitializer
        // One each: a client numbers its connections from 0.
        func timing() -> Logger { Logger(label: "kubetrail.upstream-pool") { _ in PoolConnectionTiming(cluster: name) } }
        self.client = HTTPClient(eventLoopGroupProvider: .shared(eventLoopGroup), configuration: configuration, backgroundActivityLogger: timing())
        var streaming = configuration
        streaming.httpVersion = .http1Only
        self.streamingClient = HTTPClient(eventLoopGroupProvider: .shared(eventLoopGroup), configuration: streaming, backgroundActivityLogger: timing())
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

    /// Asks the cluster for its version (the `cluster_version` metric label); keeps "unknown" when
    /// the cluster does not answer, and says why.
    public func discoverVersion() async -> Result<String, any Error> {
        var request = HTTPClientRequest(url: server + "/version")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.headers.add(name: "Accept", value: "application/json")
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 16)
            guard response.status == .ok else { return .failure(UpstreamVersionError(status: Int(response.status.code))) }
            guard let document = try? JSONParser.parse(Array(body.readableBytesView)),
                  case .string(let version)? = document["gitVersion"] else { return .failure(UpstreamVersionError(status: 200)) }
            discoveredVersion.withLock { $0 = version }
            return .success(version)
        } catch {
            return .failure(error)
        }
    }

    /// Closes the pool.
    public func shutdown() async throws {
        try await client.shutdown()
        try await streamingClient.shutdown()
    }
}

/// `/version` did not answer with a version.
struct UpstreamVersionError: Error, CustomStringConvertible {
    var status: Int
    var description: String { status == 200 ? "/version has no gitVersion" : "/version answered \(status)" }
}

/// Counts the pool's connections for the pool metrics.
///
/// AsyncHTTPClient does not say whether a request reused a connection; it does tell us each new
/// connection. Every new connection is counted as one miss, claimed by the next request to get
/// an answer; every other request is a hit. The totals are exact; which request was the miss
/// may not be.
final class UpstreamConnectionTally: Sendable {
    private let unclaimed = Atomic<Int>(0)
    private let active: Meter

    init(cluster: String) { active = ProxyMetrics.activeConnections(cluster: cluster) }

    func opened(_ channel: Channel) {
        unclaimed.add(1, ordering: .relaxed)
        active.increment()
        let active = self.active
        channel.closeFuture.whenComplete { _ in active.decrement() }
    }

    /// True when a new connection was waiting to be counted: this request counts as the miss.
    func claimNewConnection() -> Bool {
        var current = unclaimed.load(ordering: .relaxed)
        while current > 0 {
            let (exchanged, original) = unclaimed.compareExchange(expected: current, desired: current - 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }
}
