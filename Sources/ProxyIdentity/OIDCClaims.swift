import JWTKit

/// A JWT payload kept as raw JSON: jwt-kit checks the signature, ``OIDCAuthenticator`` checks the claims
/// against its own clock and configuration.
struct OIDCClaims: JWTPayload {
    let claims: [String: JSONValue]

    init(from decoder: any Decoder) throws {
        self.claims = try [String: JSONValue](from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        try self.claims.encode(to: encoder)
    }

    /// Claims are verified by the authenticator with an explicit clock, not here.
    func verify(using algorithm: some JWTAlgorithm) async throws {}

    subscript(name: String) -> JSONValue? { self.claims[name] }
}
