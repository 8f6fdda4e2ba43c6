import Crypto
import Foundation
import JWTKit

/// Verifies OIDC bearer JWTs against an issuer's JWKS and maps them to a ``ProxyIdentity``.
///
/// The header is inspected here before jwt-kit sees the token: `alg` must be in the allow-list (`none` never,
/// `HS*` only with a configured secret, and then never keyed by the JWKS), and `kid` must name a key of the
/// JWKS (no kid only when the JWKS has exactly one key). jwt-kit then checks the signature with exactly that
/// key; the claims (exp, nbf, iat, iss, aud, username, groups) are checked here against the supplied clock.
/// Holds no mutable state: to rotate keys, build a new authenticator from a fresh JWKS.
public struct OIDCAuthenticator: Sendable {
    public let configuration: OIDCConfiguration
    private let algorithms: Set<String>
    private let keySet: JWKSKeySet
    private let hmacCollections: [String: JWTKeyCollection]

    /// Creates an authenticator from a JWKS JSON document (e.g. file contents).
    public init(configuration: OIDCConfiguration, jwksDocument: [UInt8]) async throws(OIDCError) {
        self.configuration = configuration
        self.algorithms = configuration.effectiveAlgorithms
        self.keySet = try await JWKSKeySet(document: jwksDocument, algorithms: self.algorithms)
        var hmac: [String: JWTKeyCollection] = [:]
        if let secret = configuration.hmacSecret, !secret.isEmpty {
            let digests: [String: DigestAlgorithm] = ["HS256": .sha256, "HS384": .sha384, "HS512": .sha512]
            for (alg, digest) in digests where self.algorithms.contains(alg) {
                hmac[alg] = await JWTKeyCollection().add(hmac: HMACKey(key: SymmetricKey(data: secret)), digestAlgorithm: digest)
            }
        }
        self.hmacCollections = hmac
    }

    /// Creates an authenticator from a JWKS fetched through `source`.
    public init(configuration: OIDCConfiguration, jwksSource: some JWKSSource) async throws {
        let document = try await jwksSource.fetchJWKS()
        try await self.init(configuration: configuration, jwksDocument: document)
    }

    /// Verifies `token` (the part after `Bearer `) at time `now`.
    public func authenticate(bearerToken token: String, at now: Date) async throws(OIDCError) -> ProxyIdentity {
        let length = token.utf8.count
        guard length <= self.configuration.maximumTokenLength else {
            throw .tokenTooLong(length: length, limit: self.configuration.maximumTokenLength)
        }
        let header = try Self.decodeHeader(of: token)
        let collection = try self.collection(for: header)
        let claims: OIDCClaims
        do {
            claims = try await collection.verify(token, as: OIDCClaims.self)
        } catch let error as JWTError {
            switch error.errorType {
            case .signatureVerificationFailed: throw .badSignature
            default: throw .malformed(error.reason ?? String(describing: error))
            }
        } catch {
            throw .malformed(String(describing: error))
        }
        return try self.identity(from: claims, token: token, now: now)
    }

    // MARK: header

    private struct Header {
        var algorithm: String
        var keyID: String?
    }

    private static func decodeHeader(of token: String) throws(OIDCError) -> Header {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed("expected 3 dot-separated parts, got \(parts.count)") }
        guard !parts[0].isEmpty, !parts[1].isEmpty else { throw .malformed("empty header or payload") }
        guard let headerBytes = Base64URL.decode(parts[0]) else { throw .malformed("header is not base64url") }
        guard Base64URL.decode(parts[1]) != nil else { throw .malformed("payload is not base64url") }
        guard Base64URL.decode(parts[2]) != nil else { throw .malformed("signature is not base64url") }
        let json: JSONValue
        do {
            json = try JSONDecoder().decode(JSONValue.self, from: Data(headerBytes))
        } catch {
            throw .malformed("header is not JSON")
        }
        guard case .object(let fields) = json else { throw .malformed("header is not a JSON object") }
        guard case .string(let algorithm)? = fields["alg"] else { throw .malformed("header has no string alg") }
        if fields["crit"] != nil { throw .unsupportedCriticalHeader }
        var keyID: String?
        switch fields["kid"] {
        case .none: keyID = nil
        case .string(let kid)?: keyID = kid
        default: throw .malformed("kid is not a string")
        }
        return Header(algorithm: algorithm, keyID: keyID)
    }

    private func collection(for header: Header) throws(OIDCError) -> JWTKeyCollection {
        if header.algorithm.lowercased() == "none" { throw .algorithmNone }
        guard self.algorithms.contains(header.algorithm) else { throw .algorithmNotAllowed(header.algorithm) }
        if header.algorithm.hasPrefix("HS") {
            guard let collection = self.hmacCollections[header.algorithm] else {
                throw .algorithmNotAllowed(header.algorithm)
            }
            return collection
        }
        return try self.keySet.collection(keyID: header.keyID, algorithm: header.algorithm)
    }

    // MARK: claims

    private func identity(from claims: OIDCClaims, token: String, now: Date) throws(OIDCError) -> ProxyIdentity {
        let skew = self.configuration.clockSkew
        guard let exp = try Self.date(claims, "exp") else { throw .missingClaim("exp") }
        if now.addingTimeInterval(-skew) > exp { throw .expired(at: exp) }
        if let nbf = try Self.date(claims, "nbf"), now.addingTimeInterval(skew) < nbf { throw .notYetValid(until: nbf) }
        if let iat = try Self.date(claims, "iat"), now.addingTimeInterval(skew) < iat { throw .issuedInFuture(at: iat) }

        guard let issValue = claims["iss"] else { throw .missingClaim("iss") }
        guard case .string(let iss) = issValue else { throw .malformed("iss is not a string") }
        guard iss == self.configuration.issuer else { throw .wrongIssuer(iss) }

        let audiences: [String]
        switch claims["aud"] {
        case .none: throw .missingClaim("aud")
        case .string(let aud)?: audiences = [aud]
        case .array(let values)?:
            audiences = try values.map { value throws(OIDCError) in
                guard case .string(let aud) = value else { throw .malformed("aud holds a non-string") }
                return aud
            }
        default: throw .malformed("aud is neither a string nor a list")
        }
        guard audiences.contains(where: self.configuration.audiences.contains) else { throw .wrongAudience(audiences) }

        let user = try self.user(from: claims)
        let groups = try self.groups(from: claims)

        let credential: ProxyIdentity.Credential
        if case .string(let jti)? = claims["jti"], !jti.isEmpty, !IdentityNameRules.containsControlCharacter(jti) {
            credential = .tokenID(jti)
        } else {
            credential = .tokenSHA256(SHA256.hash(data: Array(token.utf8)).lowercaseHex)
        }
        return ProxyIdentity(user: user, groups: groups, method: .oidc, credential: credential, expiry: exp)
    }

    private func user(from claims: OIDCClaims) throws(OIDCError) -> String {
        let claimName = self.configuration.usernameClaim
        guard let value = claims[claimName] else { throw .missingClaim(claimName) }
        guard case .string(let raw) = value, !raw.isEmpty else { throw .invalidUsername(claimName) }
        if claimName == "email", let verified = claims["email_verified"], verified != .bool(true) {
            throw .emailNotVerified
        }
        let user = (self.configuration.usernamePrefix ?? "") + raw
        switch IdentityNameRules.checkUser(user, allowSystem: self.configuration.allowsSystemUsers) {
        case .none: return user
        case .reservedSystemName: throw .systemUserRefused(user)
        case .empty, .controlCharacter: throw .invalidUsername(claimName)
        }
    }

    private func groups(from claims: OIDCClaims) throws(OIDCError) -> [String] {
        let raw: [String]
        switch claims[self.configuration.groupsClaim] {
        case .none, .null?: raw = []
        case .string(let group)?: raw = [group]
        case .array(let values)?:
            raw = try values.map { value throws(OIDCError) in
                guard case .string(let group) = value else { throw .invalidGroupsClaim("holds a non-string") }
                return group
            }
        default: throw .invalidGroupsClaim("neither a string nor a list")
        }
        return try raw.map { group throws(OIDCError) in
            let prefixed = (self.configuration.groupsPrefix ?? "") + group
            switch IdentityNameRules.checkGroup(prefixed, allowSystem: self.configuration.allowsSystemGroups) {
            case .none: return prefixed
            case .reservedSystemName: throw .systemGroupRefused(prefixed)
            case .empty, .controlCharacter: throw .invalidGroupsClaim("empty group or control characters")
            }
        }
    }

    private static func date(_ claims: OIDCClaims, _ name: String) throws(OIDCError) -> Date? {
        switch claims[name] {
        case .none: return nil
        case .number(let seconds)?:
            guard seconds.isFinite else { throw .malformed("\(name) is not finite") }
            return Date(timeIntervalSince1970: seconds)
        default: throw .malformed("\(name) is not a number")
        }
    }
}
