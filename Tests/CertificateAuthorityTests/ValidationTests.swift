import CertificateAuthority
import Foundation
import Testing

@Suite struct ValidationTests {
    private func error(_ body: () throws -> Void) -> CertificateAuthorityError? {
        do {
            try body()
            return nil
        } catch let error as CertificateAuthorityError {
            return error
        } catch {
            return nil
        }
    }

    @Test(arguments: [
        ("", [], CertificateAuthorityError.emptyUser, "the user name must not be empty"),
        ("alice", [""], .emptyGroup, "a group name must not be empty"),
        ("system:node:x", [], .reservedSystemName(kind: "user", name: "system:node:x"),
         "user \"system:node:x\" starts with \"system:\", which Kubernetes reserves for its own identities (pass --allow-system-user if you really mean it)"),
        ("SYSTEM:admin", [], .reservedSystemName(kind: "user", name: "SYSTEM:admin"),
         "user \"SYSTEM:admin\" starts with \"system:\", which Kubernetes reserves for its own identities (pass --allow-system-user if you really mean it)"),
        ("alice", ["system:masters"], .reservedSystemName(kind: "group", name: "system:masters"),
         "group \"system:masters\" starts with \"system:\", which Kubernetes reserves for its own identities (pass --allow-system-user if you really mean it)"),
        ("a,O=admins", [], .forbiddenCharacter(kind: "user", name: "a,O=admins", character: "','"),
         "user \"a,O=admins\" contains ',', which is not allowed in a certificate subject (no control characters or any of , / + = \\ \" < > ; #)"),
        ("a/O=admins", [], .forbiddenCharacter(kind: "user", name: "a/O=admins", character: "'/'"),
         "user \"a/O=admins\" contains '/', which is not allowed in a certificate subject (no control characters or any of , / + = \\ \" < > ; #)"),
        ("al\nice", [], .forbiddenCharacter(kind: "user", name: "al\nice", character: "U+000A"),
         "user \"al\\u{a}ice\" contains U+000A, which is not allowed in a certificate subject (no control characters or any of , / + = \\ \" < > ; #)"),
        ("alice", ["d\u{1B}[31mev"], .forbiddenCharacter(kind: "group", name: "d\u{1B}[31mev", character: "U+001B"),
         "group \"d\\u{1b}[31mev\" contains U+001B, which is not allowed in a certificate subject (no control characters or any of , / + = \\ \" < > ; #)"),
        ("ali\u{202E}ce", [], .forbiddenCharacter(kind: "user", name: "ali\u{202E}ce", character: "U+202E"),
         "user \"ali\\u{202e}ce\" contains U+202E, which is not allowed in a certificate subject (no control characters or any of , / + = \\ \" < > ; #)"),
        (" alice", [], .surroundingWhitespace(kind: "user", name: " alice"), "user \" alice\" starts or ends with whitespace"),
        ("alice", ["dev", "dev"], .duplicateGroup("dev"), "group \"dev\" was given more than once"),
        (String(repeating: "a", count: 65), [], .nameTooLong(kind: "user", name: String(repeating: "a", count: 65), limit: 64),
         "user \"aaaaaaaaaaaaaaaaaaaa...\" is 65 bytes long; the limit is 64"),
    ] as [(String, [String], CertificateAuthorityError, String)])
    func identityErrors(user: String, groups: [String], expected: CertificateAuthorityError, message: String) {
        let caught = error { _ = try ClientIdentity(user: user, groups: groups) }
        #expect(caught == expected)
        #expect(caught?.description == message)
        #expect(caught?.errorDescription == message)
    }

    @Test func acceptableIdentities() throws {
        for user in ["alice", "alice@example.com", "oidc:alice", "Ünïcode Name", "a", String(repeating: "a", count: 64)] {
            _ = try ClientIdentity(user: user, groups: ["dev", "team:platform"])
        }
    }

    @Test func everyForbiddenASCIICharacterIsRefused() {
        for character in [",", "/", "+", "=", "\\", "\"", "<", ">", ";", "#"] {
            let caught = error { _ = try ClientIdentity(user: "a\(character)b") }
            #expect(caught == .forbiddenCharacter(kind: "user", name: "a\(character)b", character: "'\(character)'"))
        }
        for scalar in (0x00...0x1F).map({ UnicodeScalar($0)! }) + [UnicodeScalar(0x7F)!, UnicodeScalar(0x2028)!, UnicodeScalar(0x200B)!] {
            let caught = error { _ = try ClientIdentity(user: "a\(Character(scalar))b") }
            guard case .forbiddenCharacter = caught else {
                Issue.record("U+\(String(scalar.value, radix: 16)) was accepted")
                continue
            }
        }
    }

    @Test(arguments: [
        ("", "cluster name \"\" is invalid: use lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters (e.g. prod-eu1)"),
        ("Prod", "cluster name \"Prod\" is invalid: use lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters (e.g. prod-eu1)"),
        ("-prod", nil), ("prod-", nil), ("pr_od", nil), ("pr.od", nil), ("prod/x", nil), ("prö d", nil),
        (String(repeating: "a", count: 64), nil),
    ] as [(String, String?)])
    func invalidClusterNames(name: String, message: String?) {
        let caught = error { _ = try ClusterName(name) }
        #expect(caught == .invalidClusterName(name))
        if let message { #expect(caught?.description == message) }
    }

    @Test func validClusterNames() throws {
        for name in ["a", "0", "prod", "prod-eu1", "a-b-c", String(repeating: "a", count: 63)] {
            #expect(try ClusterName(name).rawValue == name)
        }
    }

    @Test(arguments: [
        ("http://proxy:8443", "the scheme must be https (the proxy only serves TLS)"),
        ("proxy:8443", "the scheme must be https (the proxy only serves TLS)"),
        ("https://", "it has no host"),
        ("https://user:pw@proxy:8443", "it must not contain credentials"),
        ("https://proxy:8443/?a=b", "it must not have a query or fragment"),
        ("https://proxy:8443/#x", "it must not have a query or fragment"),
        ("https://proxy:8443/ x", "it contains whitespace or control characters"),
        ("https://proxy:0", "the port must be between 1 and 65535"),
    ])
    func invalidServerURLs(url: String, reason: String) {
        let caught = error { _ = try ProxyServerURL(url) }
        #expect(caught == .invalidServerURL(url, reason: reason))
        #expect(caught?.description == "server URL \"\(url)\" is invalid: \(reason) (expected e.g. https://proxy:8443)")
    }

    @Test func serverURLsAreNormalised() throws {
        let cluster = try ClusterName("prod")
        #expect(try ProxyServerURL("https://proxy:8443").url(for: cluster) == "https://proxy:8443/clusters/prod")
        #expect(try ProxyServerURL("https://proxy:8443//").url(for: cluster) == "https://proxy:8443/clusters/prod")
        #expect(try ProxyServerURL("https://[::1]:8443/kt/").url(for: cluster) == "https://[::1]:8443/kt/clusters/prod")
        #expect(try ProxyServerURL("HTTPS://proxy").url(for: cluster) == "HTTPS://proxy/clusters/prod")
    }

    @Test func otherMessages() throws {
        #expect(CertificateAuthorityError.emptyAuthorityName.description == "the CA name must not be empty")
        #expect(CertificateAuthorityError.noClusters.description == "at least one --cluster is required")
        #expect(CertificateAuthorityError.duplicateCluster("prod").description == "cluster \"prod\" was given more than once")
        #expect(CertificateAuthorityError.invalidNamespace("Kube_System").description
            == "namespace \"Kube_System\" is invalid: use lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters")
        #expect(CertificateAuthorityError.nonPositiveTTL.description == "the TTL must be greater than zero")
        #expect(CertificateAuthorityError.noServerHosts.description == "at least one --host is required for a server certificate")
        #expect(CertificateAuthorityError.invalidServerHost("a b").description == "host \"a b\" is neither an IP address nor a valid DNS name")
        #expect(CertificateAuthorityError.ttlExceedsShortLivedLimit(requestedSeconds: 48 * 3600, limitSeconds: 24 * 3600).description
            == "TTL 48h exceeds the 24h limit for client certificates; short-lived certificates are the point of Kubetrail (pass --allow-long-ttl to issue it anyway)")
        let caNotAfter = Date(timeIntervalSince1970: 1_795_650_000)
        #expect(CertificateAuthorityError.ttlExceedsAuthorityLifetime(requestedNotAfter: caNotAfter.addingTimeInterval(3600), authorityNotAfter: caNotAfter).description
            == "the certificate would be valid until 2026-11-26T00:40:00Z, but the CA expires at 2026-11-25T23:40:00Z; use a shorter --ttl or rotate the CA")
        #expect(CertificateAuthorityError.authorityNotFound(path: "/x/ca.crt").description
            == "no CA found: /x/ca.crt does not exist (create one with `kubetrail ca init --dir DIR`)")
        #expect(CertificateAuthorityError.authorityAlreadyExists(path: "/x/ca.key").description
            == "a CA already exists at /x/ca.key; refusing to overwrite it (pass --force to replace it, which invalidates every certificate it issued)")
        #expect(CertificateAuthorityError.keyDoesNotMatchCertificate(directory: "/x").description
            == "the CA key in /x does not match the CA certificate (ca.key and ca.crt are from different CAs)")
    }

    @Test func serverHostErrors() throws {
        let authority = try CertificateAuthority.generate(now: Fixtures.now)
        for host in ["", "a b", "*.example.com", "-bad.example", "exa_mple.com", "1.2.3.999", "a..b", "x/y"] {
            let caught = error { _ = try authority.issueServer(hosts: [host], now: Fixtures.now) }
            #expect(caught == .invalidServerHost(host), "host \(host)")
        }
        #expect(error { _ = try authority.issueServer(hosts: [], now: Fixtures.now) } == .noServerHosts)
        #expect(error { _ = try CertificateAuthority.generate(name: "", now: Fixtures.now) } == .emptyAuthorityName)
        #expect(error { _ = try CertificateAuthority.generate(name: "A,B", now: Fixtures.now) }
            == .forbiddenCharacter(kind: "CA name", name: "A,B", character: "','"))
    }
}
