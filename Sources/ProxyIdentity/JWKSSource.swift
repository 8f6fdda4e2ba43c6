/// Supplies the JWKS document (the JSON the issuer publishes at its `jwks_uri`).
///
/// The proxy implements this over HTTPS (with its own caching and refresh policy); tests and
/// file-based configuration return bytes directly. Kept as a protocol so this module does no I/O.
public protocol JWKSSource: Sendable {
    /// Returns the current JWKS JSON document.
    func fetchJWKS() async throws -> [UInt8]
}

/// A JWKS held in memory, e.g. read from a file at start-up.
public struct StaticJWKSSource: JWKSSource {
    public let document: [UInt8]

    public init(document: [UInt8]) {
        self.document = document
    }

    public func fetchJWKS() async throws -> [UInt8] {
        self.document
    }
}
