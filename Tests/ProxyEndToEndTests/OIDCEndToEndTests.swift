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

    /// A CA and a 127.0.0.1 certificate for the test issuer's JWKS server, made with `kubetrail ca`.
    static func issuerTLS() async throws -> String {
        let directory = NSTemporaryDirectory() + "kubetrail-idp-" + UUID().uuidString.prefix(8)
        let kubetrail = Repository.product("kubetrail")
        _ = try await ProxyRig.run(kubetrail, ["ca", "init", "--dir", directory + "/ca"])
        _ = try await ProxyRig.run(kubetrail, ["ca", "server", "--dir", directory + "/ca", "--host", "127.0.0.1", "--out", directory + "/tls"])
        return directory
    }

    @Test func aJWKSByURLIsFetchedAtStartAndAgainWhenTheIssuerRotates() async throws {
        let idp = try await Self.issuerTLS()
        defer { try? FileManager.default.removeItem(atPath: idp) }
        let first = TestTokenIssuer(keyID: "2025-a")
        let second = TestTokenIssuer(keyID: "2025-b")
        let server = try await JWKSServer.start(certificatePath: idp + "/tls/server.crt", keyPath: idp + "/tls/server.key",
                                                document: TestTokenIssuer.jwks([first]))
        defer { server.stop() }
        let rig = try await ProxyRig.start(configuration: Self.oidc(jwks: """
            jwks_url: \(server.url)
              jwks_ca_file: \(idp)/ca/ca.crt
              jwks_refresh_interval: 4s
            """))
        defer { rig.stopNow() }
        #expect(server.requests == 1, "fetched once, at start")
        // The issuer rotates to a new key. Right after a fetch, an unknown kid does not fetch again.
        server.publish(TestTokenIssuer.jwks([first, second]))
        let early = try await Self.curl(rig, token: second.token(), namespace: "early")
        #expect(early.code == 401)
        #expect(server.requests == 1)
        let before = try await rig.kubectl(token: first.token(), ["get", "pods"])
        #expect(before.status == 0, "\(before)")
        // Once the interval has passed, the new kid makes the proxy fetch, and the token is accepted.
        try await Task.sleep(for: .seconds(4.5))
        let rotated = try await rig.kubectl(token: second.token(TestTokenIssuer.claims(user: "dora", groups: ["dev"])),
                                            ["create", "configmap", "after-rotation", "--from-literal=a=b"])
        #expect(rotated.stdout.contains("configmap/after-rotation created"), "\(rotated)")
        #expect(server.requests == 2)
        // A burst of made-up kids costs the issuer at most one fetch per interval.
        try await Task.sleep(for: .seconds(4.5))
        for index in 0..<10 {
            let answer = try await Self.curl(rig, token: TestTokenIssuer(keyID: "made-up-\(index)").token(), namespace: "made-up")
            #expect(answer.code == 401)
        }
        #expect(server.requests == 3, "\(server.requests) fetches for ten made-up kids")
        // The first key was dropped by the issuer: once refreshed, its tokens are refused.
        server.publish(TestTokenIssuer.jwks([second]))
        try await Task.sleep(for: .seconds(4.5))
        let third = TestTokenIssuer(keyID: "2025-c")
        _ = try await Self.curl(rig, token: third.token(), namespace: "prompt-refresh")
        let retired = try await Self.curl(rig, token: first.token(), namespace: "retired")
        #expect(retired.code == 401)

        let events = try await rig.events(atLeast: 4)
        #expect(events.contains { $0["name"] == "after-rotation" && $0["user"] == "dora" && $0["authentication"] == "oidc" })
        let refusal = events.first { $0["namespace"] == "early" }
        #expect(refusal?["rule"]?.stringValue?.contains("token kid \"2025-b\" is not in the JWKS") == true, "\(String(describing: refusal))")
        #expect(events.first { $0["namespace"] == "retired" }?["decision"] == "unauthenticated")
    }

    @Test func anUnreachableOrUntrustedJWKSStopsTheStartWithAClearError() async throws {
        let idp = try await Self.issuerTLS()
        defer { try? FileManager.default.removeItem(atPath: idp) }
        let nobody = "https://127.0.0.1:\(try freePort())/keys"
        let unreachable = await #expect(throws: TestFailure.self) {
            _ = try await ProxyRig.start(configuration: Self.oidc(jwks: "jwks_url: \(nobody)\n  jwks_ca_file: \(idp)/ca/ca.crt"))
        }
        #expect(unreachable?.description.contains("oidc.jwks_url: cannot fetch \(nobody): ") == true, "\(String(describing: unreachable))")
        // A server whose certificate the configured CA did not sign is not believed.
        let server = try await JWKSServer.start(certificatePath: idp + "/tls/server.crt", keyPath: idp + "/tls/server.key",
                                                document: TestTokenIssuer.jwks([TestTokenIssuer()]))
        defer { server.stop() }
        let untrusted = await #expect(throws: TestFailure.self) {
            _ = try await ProxyRig.start(configuration: Self.oidc(jwks: "jwks_url: \(server.url)"))
        }
        #expect(untrusted?.description.contains("oidc.jwks_url: cannot fetch \(server.url): ") == true, "\(String(describing: untrusted))")
        #expect(server.requests == 0, "no request was sent over the untrusted connection")
    }

    static func padded(_ base64URL: Substring) -> String {
        let text = base64URL.replacing("-", with: "+").replacing("_", with: "/")
        return text + String(repeating: "=", count: (4 - text.count % 4) % 4)
    }
}
