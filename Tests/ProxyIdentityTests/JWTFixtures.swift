import Crypto
import Foundation
import JWTKit
import _CryptoExtras

@testable import ProxyIdentity

/// Keys, a JWKS and a token factory for the OIDC tests.
struct JWTFixtures: Sendable {
    static let shared = JWTFixtures()
    static let issuer = "https://idp.example.test"
    static let audience = "kubetrail"
    static let now = Date(timeIntervalSince1970: 1_795_000_000)

    let rsaKey: _RSA.Signing.PrivateKey
    let ecKey: ES256PrivateKey
    let otherRSAKey: _RSA.Signing.PrivateKey

    init() {
        self.rsaKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
        self.otherRSAKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
        self.ecKey = ES256PrivateKey()
    }

    var rsaJWK: [String: Any] {
        let key = try! Insecure.RSA.PublicKey(backing: self.rsaKey.publicKey)
        let (modulus, exponent) = try! key.getKeyPrimitives()
        return ["kty": "RSA", "kid": "rsa-1", "use": "sig", "n": b64url(modulus), "e": b64url(exponent)]
    }

    var ecJWK: [String: Any] {
        let parameters = self.ecKey.publicKey.parameters!
        return ["kty": "EC", "kid": "ec-1", "crv": "P-256", "x": parameters.x, "y": parameters.y]
    }

    func jwks(_ keys: [[String: Any]]) -> [UInt8] {
        Array(try! JSONSerialization.data(withJSONObject: ["keys": keys]))
    }

    var standardJWKS: [UInt8] { self.jwks([self.rsaJWK, self.ecJWK]) }

    static func claims(_ overrides: [String: Any?] = [:]) -> [String: Any] {
        var claims: [String: Any] = [
            "iss": issuer, "aud": audience, "sub": "alice", "groups": ["dev", "ops"],
            "exp": now.timeIntervalSince1970 + 600, "iat": now.timeIntervalSince1970 - 10,
            "nbf": now.timeIntervalSince1970 - 10, "jti": "token-1",
        ]
        for (key, value) in overrides { claims[key] = value }
        return claims
    }

    /// Signs with jwt-kit. `header` may override alg (the signature is still made by `signer`).
    func sign(_ claims: [String: Any], with signer: Signer = .rsa, kid: String? = "default", header: JWTHeader = .init()) async throws -> String {
        let collection = JWTKeyCollection()
        let payload = try JSONDecoder().decode(OIDCClaims.self, from: JSONSerialization.data(withJSONObject: claims))
        var header = header
        let effectiveKid: String?
        switch signer {
        case .rsa:
            await collection.add(rsa: try Insecure.RSA.PrivateKey(backing: self.rsaKey), digestAlgorithm: .sha256)
            effectiveKid = kid == "default" ? "rsa-1" : kid
        case .otherRSA:
            await collection.add(rsa: try Insecure.RSA.PrivateKey(backing: self.otherRSAKey), digestAlgorithm: .sha256)
            effectiveKid = kid == "default" ? "rsa-1" : kid
        case .ec:
            await collection.add(ecdsa: self.ecKey)
            effectiveKid = kid == "default" ? "ec-1" : kid
        case .hmac(let secret):
            await collection.add(hmac: HMACKey(key: SymmetricKey(data: secret)), digestAlgorithm: .sha256)
            effectiveKid = kid == "default" ? "rsa-1" : kid
        }
        if let effectiveKid { header.kid = effectiveKid }
        return try await collection.sign(payload, header: header)
    }

    enum Signer: Sendable {
        case rsa, otherRSA, ec
        case hmac([UInt8])
    }

    /// A token assembled by hand: header and payload JSON, signature bytes as given.
    static func craft(header: [String: Any], claims: [String: Any], signature: [UInt8]) -> String {
        let h = b64url(try! JSONSerialization.data(withJSONObject: header))
        let p = b64url(try! JSONSerialization.data(withJSONObject: claims))
        return "\(h).\(p).\(b64url(Data(signature)))"
    }

    static func signingInput(header: [String: Any], claims: [String: Any]) -> String {
        let h = b64url(try! JSONSerialization.data(withJSONObject: header))
        let p = b64url(try! JSONSerialization.data(withJSONObject: claims))
        return "\(h).\(p)"
    }

    func authenticator(_ configuration: OIDCConfiguration = .init(issuer: issuer, audience: audience), jwks: [UInt8]? = nil) async throws -> OIDCAuthenticator {
        try await OIDCAuthenticator(configuration: configuration, jwksDocument: jwks ?? self.standardJWKS)
    }
}

func b64url(_ data: Data) -> String {
    data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}
