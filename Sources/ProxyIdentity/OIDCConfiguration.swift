import Foundation

/// How bearer JWTs are checked and mapped to an identity (the `--oidc-*` flags of kube-apiserver, minus discovery).
public struct OIDCConfiguration: Sendable {
    /// Algorithms accepted unless configured otherwise.
    public static let defaultAlgorithms: Set<String> = ["RS256", "ES256"]
    /// Algorithms this authenticator can verify at all; anything else in `allowedAlgorithms` is ignored.
    public static let supportedAlgorithms: Set<String> = [
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
        "HS256", "HS384", "HS512",
    ]

    /// Required `iss`, compared byte for byte.
    public var issuer: String
    /// Accepted audiences: the token's `aud` (string or list) must contain at least one.
    public var audiences: [String]
    /// Claim holding the user name (default `sub`).
    public var usernameClaim: String
    /// Prepended to the user name (like `--oidc-username-prefix`); nil = none.
    public var usernamePrefix: String?
    /// Claim holding the groups, a string or a list of strings (default `groups`).
    public var groupsClaim: String
    /// Prepended to each group (like `--oidc-groups-prefix`); nil = none.
    public var groupsPrefix: String?
    /// Accepted `alg` values. `none` is never accepted, even if listed; `HS*` only together with ``hmacSecret``.
    public var allowedAlgorithms: Set<String>
    /// Shared secret for HS256/384/512; the JWKS is never used as an HMAC secret.
    public var hmacSecret: [UInt8]?
    /// Tolerated clock difference for exp, nbf and iat.
    public var clockSkew: TimeInterval
    /// Tokens longer than this are refused before any parsing.
    public var maximumTokenLength: Int
    /// Accept user names starting with `system:` (after the prefix); off by default.
    public var allowsSystemUsers: Bool
    /// Accept groups starting with `system:` (after the prefix); off by default.
    public var allowsSystemGroups: Bool

    public init(
        issuer: String,
        audiences: [String],
        usernameClaim: String = "sub",
        usernamePrefix: String? = nil,
        groupsClaim: String = "groups",
        groupsPrefix: String? = nil,
        allowedAlgorithms: Set<String> = OIDCConfiguration.defaultAlgorithms,
        hmacSecret: [UInt8]? = nil,
        clockSkew: TimeInterval = 60,
        maximumTokenLength: Int = 16 * 1024,
        allowsSystemUsers: Bool = false,
        allowsSystemGroups: Bool = false
    ) {
        self.issuer = issuer
        self.audiences = audiences
        self.usernameClaim = usernameClaim
        self.usernamePrefix = usernamePrefix
        self.groupsClaim = groupsClaim
        self.groupsPrefix = groupsPrefix
        self.allowedAlgorithms = allowedAlgorithms
        self.hmacSecret = hmacSecret
        self.clockSkew = clockSkew
        self.maximumTokenLength = maximumTokenLength
        self.allowsSystemUsers = allowsSystemUsers
        self.allowsSystemGroups = allowsSystemGroups
    }

    /// Convenience for a single audience.
    public init(issuer: String, audience: String) {
        self.init(issuer: issuer, audiences: [audience])
    }

    /// The algorithms actually accepted: listed, supported, never `none`, HS* only with a secret.
    var effectiveAlgorithms: Set<String> {
        self.allowedAlgorithms.filter { alg in
            guard Self.supportedAlgorithms.contains(alg) else { return false }
            if alg.hasPrefix("HS") { return self.hmacSecret.map { !$0.isEmpty } ?? false }
            return true
        }
    }
}
