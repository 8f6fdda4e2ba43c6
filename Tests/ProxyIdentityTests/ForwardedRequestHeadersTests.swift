import KubetrailTestSupport
import Testing

@testable import ProxyIdentity

@Suite struct ForwardedRequestHeadersTests {
    typealias Fields = [(name: String, value: String)]

    func build(_ client: Fields, groups: [String] = ["dev", "system:authenticated"], token: String? = "upstream-token",
               isUpgrade: Bool = false) throws -> Fields {
        try ForwardedRequestHeaders(
            clientHeaders: client, impersonatingUser: "alice", groups: groups, upstreamBearerToken: token,
            auditID: "audit-1", clientAddress: "192.0.2.7", isUpgrade: isUpgrade
        ).fields
    }

    func values(_ fields: Fields, _ name: String) -> [String] {
        fields.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    /// Our fields, exactly, and nothing else impersonation- or credential-related.
    func expectOnlyOurs(_ fields: Fields, groups: [String] = ["dev", "system:authenticated"], token: String? = "upstream-token",
                        sourceLocation: SourceLocation = #_sourceLocation) {
        let impersonation = fields.filter { HeaderFieldName.canonical($0.name).hasPrefix("impersonate-") }
        let expected = [("Impersonate-User", "alice")] + groups.map { ("Impersonate-Group", $0) }
        #expect(impersonation.map(\.name) == expected.map(\.0), sourceLocation: sourceLocation)
        #expect(impersonation.map(\.value) == expected.map(\.1), sourceLocation: sourceLocation)
        #expect(values(fields, "authorization") == (token.map { ["Bearer \($0)"] } ?? []), sourceLocation: sourceLocation)
        #expect(!fields.contains { HeaderFieldName.canonical($0.name).hasPrefix("x-remote-") }, sourceLocation: sourceLocation)
        #expect(values(fields, "audit-id") == ["audit-1"], sourceLocation: sourceLocation)
        #expect(values(fields, "x-forwarded-for").count == 1, sourceLocation: sourceLocation)
        #expect(values(fields, "x-forwarded-for").first?.hasSuffix("192.0.2.7") == true, sourceLocation: sourceLocation)
    }

    @Test func plainRequestKeepsOrdinaryFieldsInOrder() throws {
        let out = try build([("Accept", "application/json"), ("User-Agent", "kubectl/v1.32.0"), ("Kubectl-Session", "s-1")])
        #expect(out.map(\.name) == ["Accept", "User-Agent", "Kubectl-Session", "Authorization", "Impersonate-User",
                                    "Impersonate-Group", "Impersonate-Group", "Audit-ID", "X-Forwarded-For"])
        #expect(values(out, "x-forwarded-for") == ["192.0.2.7"])
        expectOnlyOurs(out)
    }

    @Test func clientCredentialsAndImpersonationAreReplacedInAnyCase() throws {
        let out = try build([
            ("Authorization", "Bearer stolen"), ("authorization", "Basic YWRtaW4="), ("iMpErSoNaTe-UsEr", "admin"),
            ("IMPERSONATE-GROUP", "system:masters"), ("Impersonate-Group", "system:masters"), ("Impersonate-Uid", "0"),
            ("Impersonate-Extra-Scopes", "all"), ("impersonate-extra-reason%20x", "y"), ("Impersonate_User", "admin"),
            ("X-Remote-User", "admin"), ("x-remote-group", "system:masters"), ("X-Remote-Extra-Foo", "bar"),
            ("Audit-ID", "forged"), ("Proxy-Authorization", "Basic Zm9v"),
        ])
        expectOnlyOurs(out)
        #expect(!out.contains { $0.value.contains("admin") || $0.value.contains("system:masters") || $0.value == "forged" })
    }

    @Test func hopByHopFieldsAreRemoved() throws {
        let out = try build([
            ("Connection", "keep-alive"), ("Keep-Alive", "timeout=5"), ("Proxy-Connection", "keep-alive"), ("TE", "trailers"),
            ("Trailer", "Expires"), ("Transfer-Encoding", "chunked"), ("Upgrade", "websocket"), ("Proxy-Authenticate", "x"),
            ("Accept", "*/*"),
        ])
        #expect(out.first?.name == "Accept")
        for name in HeaderFieldName.hopByHop { #expect(values(out, name).isEmpty, "\(name) survived") }
    }

    @Test func connectionOptionsRemoveTheNamedClientFields() throws {
        let out = try build([
            ("Connection", "keep-alive, Impersonate-User"), ("Connection", " X-Custom ,,\tx_other "), ("X-Custom", "1"),
            ("X-Other", "2"), ("Impersonate-User", "admin"), ("Accept", "*/*"),
        ])
        #expect(values(out, "x-custom").isEmpty)
        #expect(values(out, "x-other").isEmpty)
        #expect(values(out, "accept") == ["*/*"])
        expectOnlyOurs(out)
    }

    @Test func connectionOptionsCannotStripOurFields() throws {
        // With `Connection: Authorization` a naive proxy that strips after adding its own fields would drop the
        // upstream credential, and with `Connection: Impersonate-User` it would run the request as the proxy itself.
        let out = try build([("Connection", "Authorization, Impersonate-User, Impersonate-Group, Audit-ID, X-Forwarded-For")])
        expectOnlyOurs(out)
        #expect(values(out, "x-forwarded-for") == ["192.0.2.7"])
    }

    @Test func connectionOptionsCannotStripFraming() throws {
        let out = try build([("Connection", "Host, Content-Length"), ("Host", "proxy:8443"), ("Content-Length", "12")])
        #expect(values(out, "host") == ["proxy:8443"])
        #expect(values(out, "content-length") == ["12"])
    }

    @Test func forwardedForKeepsClientEntriesAndAppendsOurs() throws {
        let out = try build([("X-Forwarded-For", "10.0.0.1"), ("x-forwarded-for", "10.0.0.2, 10.0.0.3")])
        #expect(values(out, "x-forwarded-for") == ["10.0.0.1, 10.0.0.2, 10.0.0.3, 192.0.2.7"])
        let stripped = try build([("Connection", "X-Forwarded-For"), ("X-Forwarded-For", "10.0.0.1")])
        #expect(values(stripped, "x-forwarded-for") == ["192.0.2.7"])
    }

    @Test func upgradeKeepsUpgradeAndSendsOurConnection() throws {
        let client: Fields = [("Connection", "Upgrade, Impersonate-User"), ("Upgrade", "websocket"),
                              ("Sec-WebSocket-Protocol", "v5.channel.k8s.io"), ("Impersonate-User", "admin")]
        let out = try build(client, isUpgrade: true)
        #expect(values(out, "upgrade") == ["websocket"])
        #expect(values(out, "connection") == ["Upgrade"])
        #expect(values(out, "sec-websocket-protocol") == ["v5.channel.k8s.io"])
        expectOnlyOurs(out)
        let plain = try build(client, isUpgrade: false)
        #expect(values(plain, "upgrade").isEmpty)
        #expect(values(plain, "connection").isEmpty)
        #expect(throws: ForwardedRequestHeadersError.upgradeWithoutUpgradeField) {
            try build([("Connection", "Upgrade")], isUpgrade: true)
        }
    }

    @Test func invalidNamesAndValuesAreDropped() throws {
        let client: Fields = [("Impersonate-User ", "admin"), (" Impersonate-User", "admin"), ("Impersonate User", "admin"),
                              ("Authorization\t", "x"), (":authority", "x"), ("", "x"), ("X-Ok", "a\r\nImpersonate-User: admin"),
                              ("X-Nul", "a\u{0}b"), ("X-Fine", "tab\there")]
        let result = try ForwardedRequestHeaders(
            clientHeaders: client,
            impersonatingUser: "alice", groups: [], upstreamBearerToken: nil, auditID: "audit-1", clientAddress: "192.0.2.7"
        )
        #expect(result.invalidFieldCount == 8)
        #expect(result.fields.map(\.name) == ["X-Fine", "Impersonate-User", "Audit-ID", "X-Forwarded-For"])
        expectOnlyOurs(result.fields, groups: [], token: nil)
    }

    @Test func ourValuesAreValidated() {
        #expect(throws: ForwardedRequestHeadersError.invalidValue(field: "Impersonate-User")) {
            try ForwardedRequestHeaders(clientHeaders: [], impersonatingUser: "a\r\nb", groups: [], upstreamBearerToken: nil,
                                        auditID: "x", clientAddress: "1")
        }
        #expect(throws: ForwardedRequestHeadersError.emptyUser) {
            try ForwardedRequestHeaders(clientHeaders: [], impersonatingUser: "", groups: [], upstreamBearerToken: nil,
                                        auditID: "x", clientAddress: "1")
        }
        #expect(throws: ForwardedRequestHeadersError.invalidValue(field: "Audit-ID")) {
            try ForwardedRequestHeaders(clientHeaders: [], impersonatingUser: "a", groups: [], upstreamBearerToken: nil,
                                        auditID: "x\n", clientAddress: "1")
        }
    }

    @Test func uidAndExtrasAreEncoded() throws {
        let out = try ForwardedRequestHeaders(
            clientHeaders: [], impersonatingUser: "alice", groups: [], uid: "u-1",
            extra: [(key: "Reason Code", values: ["a", "b"]), (key: "kubetrail.io/original-user", values: ["bob"])],
            upstreamBearerToken: nil, auditID: "x", clientAddress: "1"
        ).fields
        #expect(values(out, "impersonate-uid") == ["u-1"])
        #expect(values(out, "Impersonate-Extra-reason%20code") == ["a", "b"])
        #expect(values(out, "Impersonate-Extra-kubetrail.io%2Foriginal-user") == ["bob"])
    }

    @Test func hugeHeaderListsAreLinear() throws {
        var client: Fields = []
        for index in 0..<50_000 {
            client.append(("X-Field-\(index)", "v"))
            client.append(("Impersonate-Group", "g\(index)"))
        }
        client.append(("Connection", (0..<20_000).map { "X-Field-\($0)" }.joined(separator: ",")))
        let clock = ContinuousClock()
        var out: Fields = []
        let elapsed = try clock.measure { out = try build(client) }
        #expect(out.count == 30_000 + 6)  // Authorization, Impersonate-User, 2 × Impersonate-Group, Audit-ID, X-Forwarded-For
        expectOnlyOurs(out)
        #expect(elapsed < .seconds(20))
    }

    @Test func propertyNoForeignImpersonationEverLeaves() throws {
        let names = ["Impersonate-User", "impersonate-group", "IMPERSONATE-UID", "Impersonate-Extra-x", "Impersonate_User",
                     "impersonate-", "Authorization", "authorization", "X-Remote-User", "x_remote_group", "Connection",
                     "Upgrade", "Audit-ID", "X-Forwarded-For", "Accept", "Host", "Content-Length", "TE", "Keep-Alive"]
        let values = ["admin", "system:masters", "Impersonate-User", "Authorization, X-Forwarded-For", "keep-alive, Impersonate-Group",
                      "Upgrade", "", "Bearer x", "1"]
        var random = SplitMix64(seed: 0x6B75_6265)
        for iteration in 0..<2_000 {
            var client: Fields = []
            for _ in 0..<Int(random.next() % 12) {
                var name = names[Int(random.next() % UInt64(names.count))]
                name = String(name.map { random.next() % 2 == 0 ? Character($0.uppercased()) : Character($0.lowercased()) })
                client.append((name, values[Int(random.next() % UInt64(values.count))]))
            }
            let isUpgrade = random.next() % 4 == 0
            if isUpgrade { client.append(("Upgrade", "websocket")) }
            let groups = random.next() % 2 == 0 ? ["dev"] : []
            let token: String? = random.next() % 2 == 0 ? "t" : nil
            let out = try build(client, groups: groups, token: token, isUpgrade: isUpgrade)
            expectOnlyOurs(out, groups: groups, token: token)
            for field in out {
                let canonical = HeaderFieldName.canonical(field.name)
                if canonical == "connection" {
                    #expect(isUpgrade && field.value == "Upgrade", "iteration \(iteration)")
                } else if canonical == "upgrade" {
                    #expect(isUpgrade, "iteration \(iteration)")
                } else {
                    #expect(!HeaderFieldName.hopByHop.contains(canonical), "iteration \(iteration): \(field.name)")
                }
            }
        }
    }
}
