import CertificateAuthority
import Foundation
import Testing
import Yams

@Suite struct KubeconfigTests {
    private func render(user: String = "alice", clusters: [String] = ["prod", "staging"], namespace: String = "default") throws -> String {
        try Kubeconfig.render(
            user: user,
            clusters: clusters.map { try ClusterName($0) },
            server: ProxyServerURL("https://proxy:8443"),
            namespace: namespace,
            certificateAuthorityPEM: "CA-PEM",
            clientCertificatePEM: "CERT-PEM",
            clientKeyPEM: "KEY-PEM"
        )
    }

    private func parse(_ yaml: String) throws -> [String: Any] {
        try #require(try Yams.load(yaml: yaml) as? [String: Any])
    }

    @Test func oneClusterAndContextPerCluster() throws {
        let document = try parse(try render(clusters: ["prod", "staging", "dev-eu1"]))
        #expect(document["apiVersion"] as? String == "v1")
        #expect(document["kind"] as? String == "Config")
        #expect(document["current-context"] as? String == "prod")
        let clusters = try #require(document["clusters"] as? [[String: Any]])
        #expect(clusters.map { $0["name"] as? String } == ["prod", "staging", "dev-eu1"])
        let servers = clusters.map { ($0["cluster"] as? [String: Any])?["server"] as? String }
        #expect(servers == ["https://proxy:8443/clusters/prod", "https://proxy:8443/clusters/staging", "https://proxy:8443/clusters/dev-eu1"])
        for cluster in clusters {
            let data = try #require((cluster["cluster"] as? [String: Any])?["certificate-authority-data"] as? String)
            #expect(Data(base64Encoded: data) == Data("CA-PEM".utf8))
        }
        let contexts = try #require(document["contexts"] as? [[String: Any]])
        #expect(contexts.map { $0["name"] as? String } == ["prod", "staging", "dev-eu1"])
        for context in contexts {
            let body = try #require(context["context"] as? [String: Any])
            #expect(body["cluster"] as? String == context["name"] as? String)
            #expect(body["user"] as? String == "alice")
            #expect(body["namespace"] as? String == "default")
        }
        let users = try #require(document["users"] as? [[String: Any]])
        #expect(users.count == 1)
        let user = try #require(users[0]["user"] as? [String: Any])
        #expect(Data(base64Encoded: user["client-certificate-data"] as? String ?? "") == Data("CERT-PEM".utf8))
        #expect(Data(base64Encoded: user["client-key-data"] as? String ?? "") == Data("KEY-PEM".utf8))
    }

    @Test func hostileUserNamesStayScalars() throws {
        // ClientIdentity would refuse most of these, but render must be safe on its own.
        let names = ["yes", "null", "~", "123", "0x1F", "a: b", "- x", "# c", "\"q\"", "back\\slash", "new\nline",
                     "tab\tx", "{a: 1}", "[1]", "&anchor", "*alias", "!tag", "|", ">", "%", "@", "`", "é\u{1B}", "\u{2028}"]  // U+FEFF is dropped by libyaml even when escaped; ClientIdentity refuses it
        for name in names {
            let document = try parse(try render(user: name))
            let users = try #require(document["users"] as? [[String: Any]])
            #expect(users.first?["name"] as? String == name, "user \(name.debugDescription)")
        }
    }

    @Test func refusesBadInput() throws {
        #expect(throws: CertificateAuthorityError.noClusters) { try render(clusters: []) }
        #expect(throws: CertificateAuthorityError.duplicateCluster("prod")) { try render(clusters: ["prod", "staging", "prod"]) }
        #expect(throws: CertificateAuthorityError.invalidNamespace("Kube_System")) { try render(namespace: "Kube_System") }
        #expect(throws: CertificateAuthorityError.invalidNamespace("")) { try render(namespace: "") }
    }

    @Test func namespaceIsApplied() throws {
        let document = try parse(try render(namespace: "team-a"))
        let contexts = try #require(document["contexts"] as? [[String: Any]])
        #expect(contexts.allSatisfy { ($0["context"] as? [String: Any])?["namespace"] as? String == "team-a" })
    }
}
