import Foundation

/// Why a bearer token was refused, or why a JWKS could not be loaded.
public enum OIDCError: Error, Sendable, Hashable, CustomStringConvertible {
    case tokenTooLong(length: Int, limit: Int)
    /// Not three base64url parts, undecodable header or payload, wrong claim types.
    case malformed(String)
    /// `alg: none` (in any case): never accepted.
    case algorithmNone
    /// The header's `alg` is not in the effective allow-list (HS* without a configured secret lands here).
    case algorithmNotAllowed(String)
    /// The header lists `crit` extensions, none of which this verifier implements (RFC 7515 §4.1.11).
    case unsupportedCriticalHeader
    /// The header's `kid` names no key of the JWKS.
    case unknownKeyID(String)
    /// No `kid`, and the JWKS has more than one key to choose from.
    case missingKeyID(keyCount: Int)
    /// The key named by `kid` is of another type than `alg` needs, or its own `alg` differs.
    case keyAlgorithmMismatch(keyID: String, algorithm: String)
    case badSignature
    case expired(at: Date)
    case notYetValid(until: Date)
    case issuedInFuture(at: Date)
    case missingClaim(String)
    case wrongIssuer(String)
    case wrongAudience([String])
    /// The username claim is not a non-empty string without control characters.
    case invalidUsername(String)
    /// `email` is the username claim and `email_verified` is present but not true.
    case emailNotVerified
    case invalidGroupsClaim(String)
    case systemUserRefused(String)
    case systemGroupRefused(String)
    /// The JWKS document could not be used.
    case invalidJWKS(String)

    public var description: String {
        switch self {
        case .tokenTooLong(let length, let limit): "token of \(length) bytes exceeds the limit of \(limit)"
        case .malformed(let reason): "malformed token: \(reason)"
        case .algorithmNone: "token uses alg none, which is never accepted"
        case .algorithmNotAllowed(let alg): "token algorithm \(String(reflecting: alg)) is not allowed"
        case .unsupportedCriticalHeader: "token header has crit extensions, which are not supported"
        case .unknownKeyID(let kid): "token kid \(String(reflecting: kid)) is not in the JWKS"
        case .missingKeyID(let count): "token has no kid and the JWKS has \(count) keys"
        case .keyAlgorithmMismatch(let kid, let alg): "key \(String(reflecting: kid)) cannot verify \(alg)"
        case .badSignature: "token signature does not verify"
        case .expired(let at): "token expired at \(at)"
        case .notYetValid(let until): "token not valid before \(until)"
        case .issuedInFuture(let at): "token issued in the future (iat \(at))"
        case .missingClaim(let claim): "token has no \(claim) claim"
        case .wrongIssuer(let iss): "token issuer \(String(reflecting: iss)) is not the configured issuer"
        case .wrongAudience(let aud): "token audience \(aud) does not contain a configured audience"
        case .invalidUsername(let claim): "token claim \(claim) is not a usable user name"
        case .emailNotVerified: "token email is not verified"
        case .invalidGroupsClaim(let reason): "token groups claim is invalid: \(reason)"
        case .systemUserRefused(let user): "token user \(String(reflecting: user)) is a reserved system: name"
        case .systemGroupRefused(let group): "token group \(String(reflecting: group)) is a reserved system: group"
        case .invalidJWKS(let reason): "unusable JWKS: \(reason)"
        }
    }
}
