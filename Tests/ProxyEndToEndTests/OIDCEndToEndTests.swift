import Crypto
import Foundation
import KubeAPI
import KubetrailTestSupport
import Testing

/// Bearer tokens through the proxy: real kubectl with `--token`-style kubeconfigs, tokens signed by
/// a test issuer, a JWKS file, and the trail in real PostgreSQL.
@Suite(.serialized) struct OIDCEndToEndTests {
    static func oidc(jwks: String) -> String {
        """
        oidc:
          issuer: \(TestTokenIssuer.issuer)
          audience: \(TestTokenIssuer.audience)
          \(jwks)
          allowed_algorithms: [ES256, RS256]
        """
    }

    /// One request with a bearer token: the HTTP status and the body.
    static func curl(_ rig: ProxyRig, token: String, namespace: String) async throws -> (code: Int, body: JSONValue?) {
        let result = await (try ChildProcess("curl", [
            "-s", "-o", "-", "-w", "\n%{http_code}", "--cacert", rig.directory + "/ca/ca.crt", "-H", "Authorization: Bearer \(token)",
            rig.proxyURL + "/clusters/emu/api/v1/namespaces/\(namespace)/configmaps",
        ])).wait(timeout: .seconds(20))
        let lines = result.stdout.split(separator: "\n")
        return (Int(lines.last ?? "") ?? -1, try? JSONParser.parse(lines.dropLast().joined(separator: "\n")))
    }

    @Test func aGoodTokenWorksAndEveryBadOneIsRefusedAndAudited() async throws {
        let issuer = TestTokenIssuer()
        let rig = try await ProxyRig.start(configuration: Self.oidc(jwks: "jwks_file: jwks.json"),
                                           files: ["jwks.json": TestTokenIssuer.jwks([issuer])])
        defer { rig.stopNow() }

        // The good token: kubectl works, the event names the token's user and groups.
        let claims = TestTokenIssuer.claims(user: "carol", groups: ["dev", "qa"], ["jti": "carol-token-1"])
        let good = issuer.token(claims)
        let listed = try await rig.kubectl(token: good, ["get", "pods"])
        #expect(listed.status == 0, "\(listed)")
        let created = try await rig.kubectl(token: good, ["create", "configmap", "from-carol", "--from-literal=a=b"])
        #expect(created.stdout.contains("configmap/from-carol created"), "\(created)")

        // The bad ones: each is refused with a 401 Status and audited with the reason.
        let stranger = TestTokenIssuer(keyID: "key-9")
        var tampered = good.split(separator: ".").map(String.init)
        tampered[1] = TestTokenIssuer.base64URL(try JSONSerialization.data(
            withJSONObject: TestTokenIssuer.claims(user: "carol", groups: ["ops"]), options: [.sortedKeys]))
        var flipped = Array(Data(base64Encoded: Self.padded(good.split(separator: ".")[2]))!)
        flipped[10] ^= 0x01
        let noneHeader: [String: Any] = ["alg": "none", "typ": "JWT", "kid": issuer.keyID]
        let hsHeader: [String: Any] = ["alg": "HS256", "typ": "JWT", "kid": issuer.keyID]
        let hsInput = TestTokenIssuer.signingInput(header: hsHeader, claims: claims)
        // The classic key-confusion attack: HMAC keyed with the public key as the JWKS publishes it.
        let publicKeyMaterial = Data(TestTokenIssuer.jwks([issuer]).utf8)
        let hsSignature = HMAC<SHA256>.authenticationCode(for: Data(hsInput.utf8), using: SymmetricKey(data: publicKeyMaterial))
        let forgedKey = P256.Signing.PrivateKey()
        let forgedInput = TestTokenIssuer.signingInput(header: ["alg": "ES256", "typ": "JWT", "kid": issuer.keyID], claims: claims)
        let forgedSignature = try forgedKey.signature(for: Data(forgedInput.utf8)).rawRepresentation

        let attacks: [(name: String, token: String, reason: String)] = [
            ("expired", issuer.token(TestTokenIssuer.claims(["exp": Date().timeIntervalSince1970 - 3600])), "token expired at"),
            ("audience", issuer.token(TestTokenIssuer.claims(["aud": "someone-else"])), "does not contain a configured audience"),
            ("issuer", issuer.token(TestTokenIssuer.claims(["iss": "https://evil.example"])), "is not the configured issuer"),
            ("none", TestTokenIssuer.signingInput(header: noneHeader, claims: claims) + ".", "alg none"),
            ("kid", stranger.token(), "token kid \"key-9\" is not in the JWKS"),
            ("payload", tampered.joined(separator: "."), "signature does not verify"),
            ("signature", tampered[0] + "." + good.split(separator: ".")[1] + "." + TestTokenIssuer.base64URL(flipped), "signature does not verify"),
            ("forged", forgedInput + "." + TestTokenIssuer.base64URL(forgedSignature), "signature does not verify"),
            ("hs256", hsInput + "." + TestTokenIssuer.base64URL(Data(hsSignature)), "algorithm \"HS256\" is not allowed"),
            ("system-group", issuer.token(TestTokenIssuer.claims(groups: ["system:masters"])), "reserved system: group"),
            ("no-exp", issuer.token(TestTokenIssuer.claims(["exp": nil])), "no exp claim"),
        ]
        for attack in attacks {
            let answer = try await Self.curl(rig, token: attack.token, namespace: "attack-" + attack.name)
            #expect(answer.code == 401, "\(attack.name): \(answer)")
            #expect(answer.body?["kind"] == "Status" && answer.body?["code"] == .int(401) && answer.body?["reason"] == "Unauthorized",
                    "\(attack.name): \(String(describing: answer.body))")
        }
        let expired = try await rig.kubectl(token: attacks[0].token, ["get", "pods"])
        #expect(expired.status != 0)
        #expect(expired.stderr.contains("Unauthorized"), "\(expired)")

        let events = try await rig.events(atLeast: attacks.count + 4)
        let create = try #require(events.first { $0["verb"] == "create" && $0["name"] == "from-carol" && $0["stage"] == "ResponseComplete" })
        #expect(create["user"] == "carol")
        #expect(create["groups"] == ["dev", "qa", "system:authenticated"])
        #expect(create["authentication"] == "oidc")
        #expect(create["credential"] == "jti:carol-token-1", "the token's id is kept, never the token")
        #expect(create["decision"] == "allow")
        #expect(try rig.emulator.requestLog().contains { $0[path: ["impersonated", "user"]] == "carol" })
        for attack in attacks {
            let refusal = events.first { $0["namespace"] == .string("attack-" + attack.name) }
            #expect(refusal?["decision"] == "unauthenticated", "\(attack.name): \(String(describing: refusal))")
            #expect(refusal?["status"] == .int(401))
            #expect(refusal?["user"] == "system:anonymous")
            #expect(refusal?["rule"]?.stringValue?.contains(attack.reason) == true, "\(attack.name): \(String(describing: refusal?["rule"]))")
        }
        // Nothing of a refused token reached the cluster.
        let reached = try rig.emulator.requestLog().compactMap { $0["path"]?.stringValue }
        #expect(!reached.contains { $0.contains("/attack-") })
        let dump = try await ProxyRig.run("pg_dump", ["--data-only", rig.databaseURL])
        #expect(!dump.stdout.contains(good.split(separator: ".")[2]), "no token signature is stored")
    }

    static func padded(_ base64URL: Substring) -> String {
        let text = base64URL.replacing("-", with: "+").replacing("_", with: "/")
        return text + String(repeating: "=", count: (4 - text.count % 4) % 4)
    }
}
