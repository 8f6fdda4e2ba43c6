import CertificateAuthority
import Foundation
import Testing
import X509

@Suite struct FileLayoutTests {
    @Test func initWritesKeyAndCertificateWithModes() throws {
        let directory = try Fixtures.temporaryDirectory() + "/nested/ca"
        let created = try CertificateAuthority.create(directory: directory, name: "File CA", ttl: .hours(100), now: Fixtures.now)
        #expect(try Fixtures.mode(directory + "/ca.key") == 0o600)
        #expect(try Fixtures.mode(directory + "/ca.crt") == 0o644)
        #expect(try Fixtures.mode(directory) == 0o700)
        let keyText = try String(contentsOfFile: directory + "/ca.key", encoding: .utf8)
        #expect(keyText.hasPrefix("-----BEGIN PRIVATE KEY-----\n") && keyText.hasSuffix("-----END PRIVATE KEY-----\n"))
        let loaded = try CertificateAuthority.load(directory: directory)
        #expect(loaded.certificate == created.certificate)
        // The loaded key really is the CA key: what it signs verifies against the stored certificate.
        let issued = try loaded.issueClient(user: "alice", now: Fixtures.now)
        #expect(issued.certificate.issuer == created.certificate.subject)
        #expect(created.certificate.publicKey.isValidSignature(issued.certificate.signature, for: issued.certificate))
    }

    @Test func initRefusesToOverwriteWithoutForce() throws {
        let directory = try Fixtures.temporaryDirectory()
        let first = try CertificateAuthority.create(directory: directory, now: Fixtures.now)
        #expect(throws: CertificateAuthorityError.authorityAlreadyExists(path: directory + "/ca.key")) {
            try CertificateAuthority.create(directory: directory, now: Fixtures.now)
        }
        #expect(try CertificateAuthority.load(directory: directory).certificate == first.certificate)
        let second = try CertificateAuthority.create(directory: directory, force: true, now: Fixtures.now)
        #expect(second.certificate != first.certificate)
        #expect(try CertificateAuthority.load(directory: directory).certificate == second.certificate)
        #expect(try Fixtures.mode(directory + "/ca.key") == 0o600)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(leftovers == ["ca.crt", "ca.key"])
    }

    @Test func initRefusesWhenOnlyTheCertificateExists() throws {
        let directory = try Fixtures.temporaryDirectory()
        try "x".write(toFile: directory + "/ca.crt", atomically: false, encoding: .utf8)
        #expect(throws: CertificateAuthorityError.authorityAlreadyExists(path: directory + "/ca.crt")) {
            try CertificateAuthority.create(directory: directory, now: Fixtures.now)
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/ca.key"))
    }

    @Test func loadReportsMissingAndMismatchedFiles() throws {
        let directory = try Fixtures.temporaryDirectory()
        #expect(throws: CertificateAuthorityError.authorityNotFound(path: directory + "/ca.crt")) {
            try CertificateAuthority.load(directory: directory)
        }
        let other = try Fixtures.temporaryDirectory()
        _ = try CertificateAuthority.create(directory: directory, now: Fixtures.now)
        _ = try CertificateAuthority.create(directory: other, now: Fixtures.now)
        try FileManager.default.removeItem(atPath: directory + "/ca.key")
        try FileManager.default.copyItem(atPath: other + "/ca.key", toPath: directory + "/ca.key")
        #expect(throws: CertificateAuthorityError.keyDoesNotMatchCertificate(directory: directory)) {
            try CertificateAuthority.load(directory: directory)
        }
        try "garbage".write(toFile: directory + "/ca.crt", atomically: false, encoding: .utf8)
        #expect(throws: CertificateAuthorityError.self) { try CertificateAuthority.load(directory: directory) }
    }

    @Test func clientBundleFilesAndModes() throws {
        let directory = try Fixtures.temporaryDirectory() + "/out"
        let authority = try CertificateAuthority.generate(now: Fixtures.now)
        let issued = try authority.issueClient(user: "alice", now: Fixtures.now)
        let bundle = try ClientBundle.write(credential: issued, user: "alice", kubeconfig: "kind: Config\n", directory: directory)
        #expect(bundle.certificatePath == directory + "/alice.crt")
        #expect(bundle.keyPath == directory + "/alice.key")
        #expect(bundle.kubeconfigPath == directory + "/kubeconfig")
        #expect(try Fixtures.mode(bundle.certificatePath) == 0o644)
        #expect(try Fixtures.mode(bundle.keyPath) == 0o600)
        #expect(try Fixtures.mode(bundle.kubeconfigPath) == 0o600)
        let certificate = try Certificate(pemEncoded: try String(contentsOfFile: bundle.certificatePath, encoding: .utf8))
        #expect(certificate == issued.certificate)
        // Reissuing replaces the files in place.
        let again = try authority.issueClient(user: "alice", now: Fixtures.now)
        _ = try ClientBundle.write(credential: again, user: "alice", kubeconfig: "kind: Config\n", directory: directory)
        let reread = try Certificate(pemEncoded: try String(contentsOfFile: bundle.certificatePath, encoding: .utf8))
        #expect(reread == again.certificate)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["alice.crt", "alice.key", "kubeconfig"])
    }

    @Test func serverFiles() throws {
        let directory = try Fixtures.temporaryDirectory() + "/tls"
        let authority = try CertificateAuthority.generate(now: Fixtures.now)
        let issued = try authority.issueServer(hosts: ["localhost"], now: Fixtures.now)
        let paths = try issued.write(to: directory, baseName: "server")
        #expect(paths.certificatePath == directory + "/server.crt")
        #expect(try Fixtures.mode(paths.keyPath) == 0o600)
        #expect(try Fixtures.mode(paths.certificatePath) == 0o644)
    }
}
