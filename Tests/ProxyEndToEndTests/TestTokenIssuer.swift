import Crypto
import Foundation

/// An OIDC issuer of the test's own: an ES256 signing key, its JWKS, and tokens made by hand
/// (so a test can also make the bad ones: expired, mis-addressed, unsigned, tampered).
struct TestTokenIssuer: Sendable {
    static let issuer = "https://idp.kubetrail.test"
    static let audience = "kubetrail"

    let key: P256.Signing.PrivateKey
    let keyID: String

    init(keyID: String = "key-1") {
        self.key = P256.Signing.PrivateKey()
        self.keyID = keyID
    }

    /// The public key as a JWK.
    var jwk: [String: String] {
        let point = key.publicKey.rawRepresentation
        return ["kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": keyID,
                "x": Self.base64URL(point.prefix(32)), "y": Self.base64URL(point.suffix(32))]
    }

    /// A JWKS document with these issuers' public keys.
    static func jwks(_ issuers: [TestTokenIssuer]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: ["keys": issuers.map(\.jwk)], options: [.sortedKeys]), as: UTF8.self)
    }

    /// Claims of a token valid for ten minutes; `overrides` replace or (with nil) remove claims.
    static func claims(user: String = "carol", groups: [String] = ["dev", "qa"], _ overrides: [String: Any?] = [:]) -> [String: Any] {
        let now = Date().timeIntervalSince1970.rounded()
        var claims: [String: Any] = ["iss": issuer, "aud": audience, "sub": user, "groups": groups,
                                     "iat": now - 5, "nbf": now - 5, "exp": now + 600, "jti": UUID().uuidString]
        for (name, value) in overrides { claims[name] = value }
        return claims
    }

    /// An ES256 token signed with this issuer's key; `header` replaces the standard header.
    func token(_ claims: [String: Any] = TestTokenIssuer.claims(), header: [String: Any]? = nil) -> String {
        let input = Self.signingInput(header: header ?? ["alg": "ES256", "typ": "JWT", "kid": keyID], claims: claims)
        let signature = try! key.signature(for: Data(input.utf8)).rawRepresentation
        return input + "." + Self.base64URL(signature)
    }

    /// `header.payload`, each base64url JSON.
    static func signingInput(header: [String: Any], claims: [String: Any]) -> String {
        base64URL(try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) + "."
            + base64URL(try! JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys]))
    }

    static func base64URL<Bytes: DataProtocol>(_ bytes: Bytes) -> String {
        Data(bytes).base64EncodedString().replacing("+", with: "-").replacing("/", with: "_").replacing("=", with: "")
    }
}
