import CertificateAuthority
import Foundation
import Testing

/// End-to-end: the real kubectl reads the kubeconfig we write (no API server needed for `config` commands).
@Suite struct KubectlConfigTests {
    static let kubectl = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].first { FileManager.default.isExecutableFile(atPath: $0) }

    private func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.kubectl, "kubectl is not installed"))
        process.arguments = arguments
        process.environment = ["HOME": NSTemporaryDirectory(), "PATH": "/usr/bin:/bin"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    private func issueBundle(clusters: [String]) throws -> (ClientBundle, IssuedCredential, CertificateAuthority) {
        let directory = try Fixtures.temporaryDirectory()
        let authority = try CertificateAuthority.create(directory: directory + "/ca")
        let credential = try authority.issueClient(user: "alice", groups: ["dev"])
        let kubeconfig = try Kubeconfig.render(
            user: "alice",
            clusters: clusters.map { try ClusterName($0) },
            server: ProxyServerURL("https://proxy:8443"),
            certificateAuthorityPEM: try authority.certificatePEM,
            clientCertificatePEM: try credential.certificatePEM,
            clientKeyPEM: credential.privateKeyPEM
        )
        let bundle = try ClientBundle.write(credential: credential, user: "alice", kubeconfig: kubeconfig, directory: directory + "/out")
        return (bundle, credential, authority)
    }

    @Test func getContextsListsEveryCluster() throws {
        let (bundle, _, _) = try issueBundle(clusters: ["prod", "staging", "dev-eu1"])
        let result = try run(["--kubeconfig", bundle.kubeconfigPath, "config", "get-contexts", "-o", "name"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.split(separator: "\n").map(String.init).sorted() == ["dev-eu1", "prod", "staging"])
        let current = try run(["--kubeconfig", bundle.kubeconfigPath, "config", "current-context"])
        #expect(current.output == "prod\n")
    }

    @Test func viewMinifyShowsServerAndEmbeddedCredentials() throws {
        let (bundle, credential, authority) = try issueBundle(clusters: ["prod", "staging"])
        for cluster in ["prod", "staging"] {
            let result = try run(["--kubeconfig", bundle.kubeconfigPath, "--context", cluster, "config", "view", "--raw", "--minify"])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("server: https://proxy:8443/clusters/\(cluster)\n"), "\(result.output)")
            #expect(result.output.contains("namespace: default"))
            let lines = result.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            func field(_ name: String) -> Data? {
                lines.first { $0.hasPrefix(name + ": ") }.flatMap { Data(base64Encoded: String($0.dropFirst(name.count + 2))) }
            }
            #expect(field("certificate-authority-data") == Data(try authority.certificatePEM.utf8))
            #expect(field("client-certificate-data") == Data(try credential.certificatePEM.utf8))
            #expect(field("client-key-data") == Data(credential.privateKeyPEM.utf8))
        }
    }
}
