import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import NIOPosix
import ProxyIdentity

/// The client of every JWKS fetch. A global, so it lives as long as the process and is never
/// dropped unclosed; redirects are refused, so a key set is only taken from the configured URL.
private let jwksHTTPClient = HTTPClient(
    eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton),
    configuration: HTTPClient.Configuration(redirectConfiguration: .disallow, decompression: .disabled))

/// An issuer's JWKS fetched over HTTPS (the `jwks_uri` of its OpenID configuration).
///
/// Each fetch is one GET through a process-wide HTTP client kept for JWKS fetches, with TLS of its own: the system roots,
/// or only the given CA certificates. Redirects are not followed, the answer must be 200 and at most
/// ``maximumDocumentSize`` bytes, and the whole fetch is bounded by ``timeout``.
public struct HTTPSJWKSSource: JWKSSource {
    /// The issuer's `jwks_uri`, an https URL.
    public let url: String
    /// The most one fetch may take, connecting included.
    public let timeout: TimeAmount
    /// A larger answer is refused (real key sets are a few KiB).
    public static let maximumDocumentSize = 1 << 20
    private let tls: TLSConfiguration

    /// - Parameter trustRoots: CA certificates that sign the issuer's certificate; empty: the system roots.
    public init(url: String, trustRoots: [NIOSSLCertificate] = [], timeout: TimeAmount = .seconds(10)) {
        self.url = url
        self.timeout = timeout
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if !trustRoots.isEmpty { tls.trustRoots = .certificates(trustRoots) }
        self.tls = tls
    }

    /// Why a JWKS could not be fetched.
    public struct FetchError: Error, CustomStringConvertible {
        public var description: String
    }

    /// GETs the JWKS; a ``FetchError`` (naming the URL) when it cannot.
    public func fetchJWKS() async throws -> [UInt8] {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json, application/jwk-set+json")
        request.tlsConfiguration = tls
        let response: HTTPClientResponse
        do {
            response = try await jwksHTTPClient.execute(request, timeout: timeout)
        } catch {
            throw FetchError(description: "cannot fetch \(url): \(error)")
        }
        guard response.status == .ok else {
            throw FetchError(description: "\(url) answered \(response.status.code) \(response.status.reasonPhrase)")
        }
        do {
            return Array(buffer: try await response.body.collect(upTo: Self.maximumDocumentSize))
        } catch {
            throw FetchError(description: "cannot read the JWKS from \(url): \(error)")
        }
    }
}
