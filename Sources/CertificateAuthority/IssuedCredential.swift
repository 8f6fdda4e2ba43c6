import Crypto
import X509

/// A freshly issued certificate and its private key.
public struct IssuedCredential: Sendable {
    /// The signed certificate.
    public let certificate: Certificate
    /// The certificate's private key (ECDSA P-256); it never leaves this value except via ``privateKeyPEM`` or ``write(certificatePath:keyPath:)``.
    public let privateKey: P256.Signing.PrivateKey

    /// The certificate as PEM.
    public var certificatePEM: String {
        get throws { try self.certificate.serializeAsPEM().pemString }
    }

    /// The private key as PKCS#8 PEM (`BEGIN PRIVATE KEY`), which kubectl and Go's `crypto/tls` accept.
    public var privateKeyPEM: String {
        self.privateKey.pemRepresentation
    }

    /// Writes the certificate (mode 0644) and key (mode 0600), replacing existing files atomically.
    public func write(certificatePath: String, keyPath: String) throws {
        try CredentialFile.write(Array(PEMText.terminated(self.privateKeyPEM).utf8), to: keyPath, mode: 0o600, replace: true)
        try CredentialFile.write(Array(PEMText.terminated(self.certificatePEM).utf8), to: certificatePath, mode: 0o644, replace: true)
    }
}

extension IssuedCredential {
    /// Writes `<directory>/<baseName>.crt` (0644) and `<directory>/<baseName>.key` (0600), creating the
    /// directory with mode 0700 if missing; used for the proxy's `server.crt`/`server.key`.
    @discardableResult
    public func write(to directory: String, baseName: String) throws -> (certificatePath: String, keyPath: String) {
        try CredentialFile.makeDirectory(directory)
        let certificatePath = CertificateAuthority.path(directory, baseName + ".crt")
        let keyPath = CertificateAuthority.path(directory, baseName + ".key")
        try self.write(certificatePath: certificatePath, keyPath: keyPath)
        return (certificatePath, keyPath)
    }
}

/// The files written for one user by ``ClientBundle/write(credential:user:kubeconfig:directory:)``.
public struct ClientBundle: Sendable, Equatable {
    /// `<dir>/<user>.crt`
    public let certificatePath: String
    /// `<dir>/<user>.key` (mode 0600)
    public let keyPath: String
    /// `<dir>/kubeconfig` (mode 0600: it embeds the key)
    public let kubeconfigPath: String

    /// Writes `<user>.crt`, `<user>.key` and `kubeconfig` into `directory` (created with mode 0700 if missing).
    ///
    /// `user` must already be validated (``ClientIdentity`` forbids `/`), so it is safe as a file name.
    public static func write(
        credential: IssuedCredential,
        user: String,
        kubeconfig: String,
        directory: String
    ) throws -> ClientBundle {
        _ = try ClientIdentity(user: user, allowSystemNames: true)
        try CredentialFile.makeDirectory(directory)
        let bundle = ClientBundle(
            certificatePath: CertificateAuthority.path(directory, "\(user).crt"),
            keyPath: CertificateAuthority.path(directory, "\(user).key"),
            kubeconfigPath: CertificateAuthority.path(directory, "kubeconfig")
        )
        try credential.write(certificatePath: bundle.certificatePath, keyPath: bundle.keyPath)
        try CredentialFile.write(Array(kubeconfig.utf8), to: bundle.kubeconfigPath, mode: 0o600, replace: true)
        return bundle
    }
}

/// PEM files conventionally end with a newline; swift-certificates' `pemString` does not.
enum PEMText {
    static func terminated(_ pem: String) -> String {
        pem.hasSuffix("\n") ? pem : pem + "\n"
    }
}
