import KubetrailTestSupport
import Crypto
import Foundation
import JWTKit
import Testing
import _CryptoExtras

@testable import ProxyIdentity

@Suite struct OIDCAuthenticatorTests {
    let fixtures = JWTFixtures.shared
    let now = JWTFixtures.now

    func refusal(_ token: String, _ authenticator: OIDCAuthenticator? = nil, at time: Date? = nil) async throws -> OIDCError? {
        let chosen: OIDCAuthenticator
        if let authenticator { chosen = authenticator } else { chosen = try await fixtures.authenticator() }
        let authenticator = chosen
        do {
            _ = try await authenticator.authenticate(bearerToken: token, at: time ?? now)
            return nil
        } catch {
            return error
        }
    }

    @Test func validRS256AndES256Tokens() async throws {
        let authenticator = try await fixtures.authenticator()
        for signer in [JWTFixtures.Signer.rsa, .ec] {
            let token = try await fixtures.sign(JWTFixtures.claims(), with: signer)
            let identity = try await authenticator.authenticate(bearerToken: token, at: now)
            #expect(identity.user == "alice")
            #expect(identity.groups == ["dev", "ops", "system:authenticated"])
            #expect(identity.method == .oidc)
            #expect(identity.credential == .tokenID("token-1"))
            #expect(identity.expiry == Date(timeIntervalSince1970: now.timeIntervalSince1970 + 600))
        }
    }

    @Test func credentialIsAHashWhenNoJTI() async throws {
        let token = try await fixtures.sign(JWTFixtures.claims(["jti": nil]))
        let identity = try await fixtures.authenticator().authenticate(bearerToken: token, at: now)
        let expected = SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(identity.credential == .tokenSHA256(expected))
        #expect(!identity.credential.description.contains(token))
    }

    @Test func expiredTokenIsRefused() async throws {
        let exp = now.timeIntervalSince1970 - 61
        let token = try await fixtures.sign(JWTFixtures.claims(["exp": exp]))
        #expect(try await refusal(token) == .expired(at: Date(timeIntervalSince1970: exp)))
        let withinSkew = try await fixtures.sign(JWTFixtures.claims(["exp": now.timeIntervalSince1970 - 59]))
        #expect(try await refusal(withinSkew) == nil)
    }

    @Test func missingExpIsRefused() async throws {
        let token = try await fixtures.sign(JWTFixtures.claims(["exp": nil]))
        #expect(try await refusal(token) == .missingClaim("exp"))
    }

    @Test func nbfInTheFutureIsRefused() async throws {
        let nbf = now.timeIntervalSince1970 + 61
        let token = try await fixtures.sign(JWTFixtures.claims(["nbf": nbf]))
        #expect(try await refusal(token) == .notYetValid(until: Date(timeIntervalSince1970: nbf)))
    }

    @Test func iatInTheFutureIsRefused() async throws {
        let iat = now.timeIntervalSince1970 + 3_600
        let token = try await fixtures.sign(JWTFixtures.claims(["iat": iat, "nbf": nil]))
        #expect(try await refusal(token) == .issuedInFuture(at: Date(timeIntervalSince1970: iat)))
    }

    @Test func stringDatesAreMalformed() async throws {
        let token = try await fixtures.sign(JWTFixtures.claims(["exp": "\(now.timeIntervalSince1970 + 600)"]))
        #expect(try await refusal(token) == .malformed("exp is not a number"))
    }

    @Test func wrongIssuerIsRefused() async throws {
        for iss in ["https://evil.example.test", "https://idp.example.test/", "HTTPS://IDP.EXAMPLE.TEST"] {
            let token = try await fixtures.sign(JWTFixtures.claims(["iss": iss]))
            #expect(try await refusal(token) == .wrongIssuer(iss))
        }
        let missing = try await fixtures.sign(JWTFixtures.claims(["iss": nil]))
        #expect(try await refusal(missing) == .missingClaim("iss"))
    }

    @Test func wrongAudienceIsRefused() async throws {
        let token = try await fixtures.sign(JWTFixtures.claims(["aud": "other-app"]))
        #expect(try await refusal(token) == .wrongAudience(["other-app"]))
        let list = try await fixtures.sign(JWTFixtures.claims(["aud": ["a", "b"]]))
        #expect(try await refusal(list) == .wrongAudience(["a", "b"]))
        let missing = try await fixtures.sign(JWTFixtures.claims(["aud": nil]))
        #expect(try await refusal(missing) == .missingClaim("aud"))
    }

    @Test func audienceListContainingOursIsAccepted() async throws {
        let token = try await fixtures.sign(JWTFixtures.claims(["aud": ["other", "kubetrail"]]))
        #expect(try await refusal(token) == nil)
        let configured = try await fixtures.authenticator(.init(issuer: JWTFixtures.issuer, audiences: ["x", "other"]))
        #expect(try await refusal(token, configured) == nil)
    }

    @Test func algNoneIsRefusedEvenWhenListed() async throws {
        let permissive = try await fixtures.authenticator(
            .init(issuer: JWTFixtures.issuer, audiences: [JWTFixtures.audience], allowedAlgorithms: ["none", "None", "RS256"])
        )
        for alg in ["none", "None", "NONE", "nOnE"] {
            for signature in [[UInt8](), [1, 2, 3]] {
                let token = JWTFixtures.craft(header: ["alg": alg, "typ": "JWT"], claims: JWTFixtures.claims(), signature: signature)
                #expect(try await refusal(token) == .algorithmNone)
                #expect(try await refusal(token, permissive) == .algorithmNone)
            }
        }
    }

    @Test func hs256WithThePublicKeyAsSecretIsRefused() async throws {
        // The classic confusion attack: HMAC keyed with the RSA public key (PEM and DER) that the JWKS publishes.
        let publicPEM = Array(fixtures.rsaKey.publicKey.pemRepresentation.utf8)
        let publicDER = Array(fixtures.rsaKey.publicKey.derRepresentation)
        for secret in [publicPEM, publicDER] {
            for kid: String? in ["rsa-1", nil] {
                let header: [String: Any] = kid.map { ["alg": "HS256", "typ": "JWT", "kid": $0] } ?? ["alg": "HS256", "typ": "JWT"]
                let input = JWTFixtures.signingInput(header: header, claims: JWTFixtures.claims())
                let mac = HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: secret))
                let token = input + "." + b64url(Data(mac))
                #expect(try await refusal(token) == .algorithmNotAllowed("HS256"))
            }
        }
        // Listing HS256 without a secret still refuses it.
        let listed = try await fixtures.authenticator(
            .init(issuer: JWTFixtures.issuer, audiences: [JWTFixtures.audience], allowedAlgorithms: ["RS256", "HS256"])
        )
        let token = try await fixtures.sign(JWTFixtures.claims(), with: .hmac(publicPEM))
        #expect(try await refusal(token, listed) == .algorithmNotAllowed("HS256"))
        // With a configured secret, only that secret verifies: the public key is never an HMAC key.
        let withSecret = try await fixtures.authenticator(
            .init(issuer: JWTFixtures.issuer, audiences: [JWTFixtures.audience], allowedAlgorithms: ["RS256", "HS256"],
                  hmacSecret: Array("a configured shared secret of 32+".utf8))
        )
        #expect(try await refusal(token, withSecret) == .badSignature)
        let good = try await fixtures.sign(JWTFixtures.claims(), with: .hmac(Array("a configured shared secret of 32+".utf8)))
        #expect(try await refusal(good, withSecret) == nil)
    }

    @Test func unknownKidIsRefused() async throws {
        let token = try await fixtures.sign(JWTFixtures.claims(), kid: "rotated-away")
        #expect(try await refusal(token) == .unknownKeyID("rotated-away"))
    }

    @Test func noKidWithSeveralKeysIsRefused() async throws {
        let token = try await fixtures.sign(JWTFixtures.claims(), kid: nil)
        #expect(try await refusal(token) == .missingKeyID(keyCount: 2))
        let single = try await fixtures.authenticator(jwks: fixtures.jwks([fixtures.rsaJWK]))
        #expect(try await refusal(token, single) == nil)
    }

    @Test func keyOfTheWrongTypeIsRefused() async throws {
        // ES256 token pointing at the RSA key's kid.
        let token = try await fixtures.sign(JWTFixtures.claims(), with: .ec, kid: "rsa-1")
        #expect(try await refusal(token) == .keyAlgorithmMismatch(keyID: "rsa-1", algorithm: "ES256"))
    }

    @Test func signatureByAnotherKeyIsRefused() async throws {
        let token = try await fixtures.sign(JWTFixtures.claims(), with: .otherRSA)
        #expect(try await refusal(token) == .badSignature)
    }

    @Test func tamperedPayloadIsRefused() async throws {
        let token = try await fixtures.sign(JWTFixtures.claims())
        let parts = token.split(separator: ".").map(String.init)
        let forged = b64url(try JSONSerialization.data(withJSONObject: JWTFixtures.claims(["sub": "admin"])))
        #expect(try await refusal([parts[0], forged, parts[2]].joined(separator: ".")) == .badSignature)
        // Flip one signature bit.
        var signature = Base64URL.decode(Substring(parts[2]))!
        signature[10] ^= 0x01
        #expect(try await refusal([parts[0], parts[1], b64url(Data(signature))].joined(separator: ".")) == .badSignature)
    }

    @Test func garbageIsMalformed() async throws {
        let valid = try await fixtures.sign(JWTFixtures.claims())
        var inputs = ["", ".", "..", "a.b", "a.b.c.d", "not a jwt", "e30.e30.", "!!!.e30.AAAA", "e30=.e30.AAAA", "bnVsbA.e30.AAAA"]
        inputs.append(String(valid.dropLast(1)) + "*")
        inputs.append(valid + ".")
        for cut in stride(from: 0, to: valid.count, by: 7) { inputs.append(String(valid.prefix(cut))) }
        var random = SplitMix64(seed: 42)
        for _ in 0..<50 {
            let length = Int(random.next() % 200)
            inputs.append(String(decoding: (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }, as: UTF8.self))
        }
        let authenticator = try await fixtures.authenticator()
        for input in inputs {
            let error = try await refusal(input, authenticator)
            #expect(error != nil, "accepted \(input.debugDescription)")
        }
    }

    @Test func oversizedTokenIsRefusedBeforeParsing() async throws {
        let token = String(repeating: "a", count: 16 * 1024 + 1)
        #expect(try await refusal(token) == .tokenTooLong(length: 16 * 1024 + 1, limit: 16 * 1024))
    }

    @Test func critHeaderIsRefused() async throws {
        var header = JWTHeader()
        header.fields["crit"] = .array([.string("exp")])
        let token = try await fixtures.sign(JWTFixtures.claims(), header: header)
        #expect(try await refusal(token) == .unsupportedCriticalHeader)
    }

    @Test func algorithmOutsideTheAllowListIsRefused() async throws {
        let onlyES = try await fixtures.authenticator(.init(issuer: JWTFixtures.issuer, audiences: [JWTFixtures.audience], allowedAlgorithms: ["ES256"]))
        let token = try await fixtures.sign(JWTFixtures.claims())
        #expect(try await refusal(token, onlyES) == .algorithmNotAllowed("RS256"))
    }

    @Test func usernameAndGroupsMapping() async throws {
        let configuration = OIDCConfiguration(
            issuer: JWTFixtures.issuer, audiences: [JWTFixtures.audience], usernameClaim: "email", usernamePrefix: "oidc:",
            groupsClaim: "roles", groupsPrefix: "oidc:"
        )
        let authenticator = try await fixtures.authenticator(configuration)
        let token = try await fixtures.sign(JWTFixtures.claims(["email": "alice@example.test", "email_verified": true, "roles": "admins"]))
        let identity = try await authenticator.authenticate(bearerToken: token, at: now)
        #expect(identity.user == "oidc:alice@example.test")
        #expect(identity.groups == ["oidc:admins", "system:authenticated"])

        let unverified = try await fixtures.sign(JWTFixtures.claims(["email": "alice@example.test", "email_verified": false]))
        #expect(try await refusal(unverified, authenticator) == .emailNotVerified)
        let noEmail = try await fixtures.sign(JWTFixtures.claims())
        #expect(try await refusal(noEmail, authenticator) == .missingClaim("email"))
        let badGroups = try await fixtures.sign(JWTFixtures.claims(["email": "a@b", "roles": [1, 2]]))
        #expect(try await refusal(badGroups, authenticator) == .invalidGroupsClaim("holds a non-string"))
    }

    @Test func systemNamesAndControlCharactersAreRefused() async throws {
        let admin = try await fixtures.sign(JWTFixtures.claims(["sub": "system:admin"]))
        #expect(try await refusal(admin) == .systemUserRefused("system:admin"))
        let masters = try await fixtures.sign(JWTFixtures.claims(["groups": ["system:masters"]]))
        #expect(try await refusal(masters) == .systemGroupRefused("system:masters"))
        let injected = try await fixtures.sign(JWTFixtures.claims(["sub": "alice\r\nImpersonate-User: admin"]))
        #expect(try await refusal(injected) == .invalidUsername("sub"))
        let empty = try await fixtures.sign(JWTFixtures.claims(["sub": ""]))
        #expect(try await refusal(empty) == .invalidUsername("sub"))
    }

    @Test func jwksProblemsAreReported() async throws {
        func loadError(_ document: [UInt8]) async -> OIDCError? {
            do {
                _ = try await OIDCAuthenticator(configuration: .init(issuer: "i", audience: "a"), jwksDocument: document)
                return nil
            } catch { return error }
        }
        #expect(await loadError(Array("nope".utf8)) != nil)
        #expect(await loadError(fixtures.jwks([])) == .invalidJWKS("no usable signature key"))
        #expect(await loadError(fixtures.jwks([fixtures.rsaJWK, fixtures.rsaJWK])) == .invalidJWKS("duplicate kid \"rsa-1\""))
        var withPrivate = fixtures.ecJWK
        withPrivate["d"] = "AAAA"
        #expect(await loadError(fixtures.jwks([withPrivate])) == .invalidJWKS("the JWKS contains a private key"))
        var encryption = fixtures.rsaJWK
        encryption["use"] = "enc"
        #expect(await loadError(fixtures.jwks([encryption])) == .invalidJWKS("no usable signature key"))
    }

    @Test func jwksSourceIsUsed() async throws {
        let authenticator = try await OIDCAuthenticator(
            configuration: .init(issuer: JWTFixtures.issuer, audience: JWTFixtures.audience),
            jwksSource: StaticJWKSSource(document: fixtures.standardJWKS)
        )
        let token = try await fixtures.sign(JWTFixtures.claims(), with: .ec)
        #expect(try await authenticator.authenticate(bearerToken: token, at: now).user == "alice")
    }
}
