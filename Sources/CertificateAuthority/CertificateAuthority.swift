import Crypto
import Foundation
import SwiftASN1
import X509

/// The Kubetrail certificate authority: an ECDSA P-256 key and self-signed certificate that issue
/// short-lived client certificates (CN = user, O = groups) and the proxy's serving certificate.
///
/// On disk a CA is a directory holding `ca.crt` (PEM, mode 0644) and `ca.key` (PKCS#8 PEM, mode 0600).
public struct CertificateAuthority: Sendable {
    /// File name of the CA certificate inside the CA directory.
    public static let certificateFileName = "ca.crt"
    /// File name of the CA private key inside the CA directory.
    public static let keyFileName = "ca.key"
    /// The default CA common name.
    public static let defaultName = "Kubetrail CA"
    /// Client certificates longer than this need `allowLongTTL`.
    public static let shortLivedLimit = CertificateTTL.hours(24)

    /// The CA's self-signed certificate.
    public let certificate: Certificate
    let privateKey: P256.Signing.PrivateKey

    /// The CA certificate in PEM form, as embedded in kubeconfigs and trusted by the proxy.
    public var certificatePEM: String {
        get throws { try self.certificate.serializeAsPEM().pemString }
    }

    init(certificate: Certificate, privateKey: P256.Signing.PrivateKey) {
        self.certificate = certificate
        self.privateKey = privateKey
    }

    /// Generates a new CA in memory (nothing is written).
    ///
    /// - Parameters:
    ///   - name: the CA's common name.
    ///   - ttl: how long the CA certificate is valid.
    ///   - now: start of validity (truncated to whole seconds).
    public static func generate(
        name: String = defaultName,
        ttl: CertificateTTL = .hours(8760),
        now: Date = Date()
    ) throws -> CertificateAuthority {
        if name.isEmpty { throw CertificateAuthorityError.emptyAuthorityName }
        try ClientIdentity.check(name, kind: "CA name", allowSystemNames: true)
        guard ttl.seconds > 0 else { throw CertificateAuthorityError.nonPositiveTTL }
        let key = P256.Signing.PrivateKey()
        let signingKey = Certificate.PrivateKey(key)
        let subject = try DistinguishedName { CommonName(name) }
        let start = Self.wholeSeconds(now)
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: signingKey.publicKey)
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Self.randomSerialNumber(),
            publicKey: signingKey.publicKey,
            notValidBefore: start,
            notValidAfter: start.addingTimeInterval(ttl.timeInterval),
            issuer: subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: signingKey
        )
        return CertificateAuthority(certificate: certificate, privateKey: key)
    }

    /// Generates a new CA and writes it to `directory` (created with mode 0700 if missing).
    ///
    /// - Parameter force: replace an existing CA. Without it an existing `ca.crt` or `ca.key` is an
    ///   ``CertificateAuthorityError/authorityAlreadyExists(path:)`` error, because replacing a CA
    ///   silently invalidates every certificate and kubeconfig it issued.
    public static func create(
        directory: String,
        name: String = defaultName,
        ttl: CertificateTTL = .hours(8760),
        force: Bool = false,
        now: Date = Date()
    ) throws -> CertificateAuthority {
        let authority = try generate(name: name, ttl: ttl, now: now)
        try authority.write(to: directory, replace: force)
        return authority
    }

    /// Writes `ca.key` (0600) and `ca.crt` (0644) into `directory`.
    public func write(to directory: String, replace: Bool = false) throws {
        try CredentialFile.makeDirectory(directory)
        let keyPath = Self.path(directory, Self.keyFileName)
        let certificatePath = Self.path(directory, Self.certificateFileName)
        if !replace {
            for path in [keyPath, certificatePath] where CredentialFile.exists(path) {
                throw CertificateAuthorityError.authorityAlreadyExists(path: path)
            }
        }
        try CredentialFile.write(Array(PEMText.terminated(self.privateKey.pemRepresentation).utf8), to: keyPath, mode: 0o600, replace: replace)
        do {
            try CredentialFile.write(Array(PEMText.terminated(self.certificatePEM).utf8), to: certificatePath, mode: 0o644, replace: replace)
        } catch {
            if !replace { unlink(keyPath) }  // do not leave a key without its certificate behind
            throw error
        }
    }

    /// Loads the CA stored in `directory` and checks that key and certificate belong together.
    public static func load(directory: String) throws -> CertificateAuthority {
        let certificatePath = Self.path(directory, Self.certificateFileName)
        let keyPath = Self.path(directory, Self.keyFileName)
        let certificateText = try CredentialFile.read(certificatePath)
        let keyText = try CredentialFile.read(keyPath)
        let certificate: Certificate
        do {
            certificate = try Certificate(pemEncoded: certificateText)
        } catch {
            throw CertificateAuthorityError.unreadableAuthorityFile(path: certificatePath, reason: "not a PEM certificate (\(error))")
        }
        let key: P256.Signing.PrivateKey
        do {
            key = try P256.Signing.PrivateKey(pemRepresentation: keyText)
        } catch {
            throw CertificateAuthorityError.unreadableAuthorityFile(path: keyPath, reason: "not a PEM ECDSA P-256 private key")
        }
        guard certificate.publicKey == Certificate.PublicKey(key.publicKey) else {
            throw CertificateAuthorityError.keyDoesNotMatchCertificate(directory: directory)
        }
        return CertificateAuthority(certificate: certificate, privateKey: key)
    }

    /// Issues a client certificate for `user` in `groups`.
    ///
    /// The certificate has CN = user, one O per group, key usage digitalSignature, EKU clientAuth,
    /// basic constraints CA:false, SKI/AKI, a random 16-byte serial, and is valid from `now`
    /// (whole seconds) for exactly `ttl`.
    ///
    /// - Parameters:
    ///   - allowLongTTL: permit a TTL above ``shortLivedLimit`` (24h).
    ///   - allowSystemNames: permit `system:` users and groups (see ``ClientIdentity``).
    public func issueClient(
        user: String,
        groups: [String] = [],
        ttl: CertificateTTL = .hours(8),
        now: Date = Date(),
        allowLongTTL: Bool = false,
        allowSystemNames: Bool = false
    ) throws -> IssuedCredential {
        let identity = try ClientIdentity(user: user, groups: groups, allowSystemNames: allowSystemNames)
        guard ttl.seconds > 0 else { throw CertificateAuthorityError.nonPositiveTTL }
        if !allowLongTTL, ttl > Self.shortLivedLimit {
            throw CertificateAuthorityError.ttlExceedsShortLivedLimit(
                requestedSeconds: ttl.seconds,
                limitSeconds: Self.shortLivedLimit.seconds
            )
        }
        let subject = try DistinguishedName {
            CommonName(identity.user)
            for group in identity.groups {
                OrganizationName(group)
            }
        }
        return try self.issue(subject: subject, usage: .clientAuth, subjectAlternativeNames: nil, ttl: ttl, now: now)
    }

    /// Issues the proxy's TLS serving certificate for `hosts` (IP addresses and DNS names).
    ///
    /// The CN is the first host (informational only; clients check the SANs). EKU is serverAuth.
    public func issueServer(
        hosts: [String],
        ttl: CertificateTTL = .hours(720),
        now: Date = Date()
    ) throws -> IssuedCredential {
        guard !hosts.isEmpty else { throw CertificateAuthorityError.noServerHosts }
        var names: [GeneralName] = []
        for host in hosts {
            let name = try ServerHost.generalName(for: host)
            if !names.contains(name) { names.append(name) }
        }
        guard ttl.seconds > 0 else { throw CertificateAuthorityError.nonPositiveTTL }
        let subject = try DistinguishedName { CommonName(hosts[0]) }
        return try self.issue(
            subject: subject,
            usage: .serverAuth,
            subjectAlternativeNames: SubjectAlternativeNames(names),
            ttl: ttl,
            now: now
        )
    }

    private func issue(
        subject: DistinguishedName,
        usage: ExtendedKeyUsage.Usage,
        subjectAlternativeNames: SubjectAlternativeNames?,
        ttl: CertificateTTL,
        now: Date
    ) throws -> IssuedCredential {
        let start = Self.wholeSeconds(now)
        let end = start.addingTimeInterval(ttl.timeInterval)
        guard self.certificate.notValidBefore <= start, start < self.certificate.notValidAfter else {
            throw CertificateAuthorityError.authorityNotValid(
                notValidBefore: self.certificate.notValidBefore,
                notValidAfter: self.certificate.notValidAfter,
                now: start
            )
        }
        guard end <= self.certificate.notValidAfter else {
            throw CertificateAuthorityError.ttlExceedsAuthorityLifetime(
                requestedNotAfter: end,
                authorityNotAfter: self.certificate.notValidAfter
            )
        }
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let authorityKeyID = try self.certificate.extensions.subjectKeyIdentifier?.keyIdentifier
            ?? SubjectKeyIdentifier(hash: self.certificate.publicKey).keyIdentifier
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([usage])
            SubjectKeyIdentifier(hash: publicKey)
            AuthorityKeyIdentifier(keyIdentifier: authorityKeyID)
            if let subjectAlternativeNames {
                subjectAlternativeNames
            }
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Self.randomSerialNumber(),
            publicKey: publicKey,
            notValidBefore: start,
            notValidAfter: end,
            issuer: self.certificate.subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(self.privateKey)
        )
        return IssuedCredential(certificate: certificate, privateKey: key)
    }

    /// 16 random bytes, first byte in 0x01...0x7F so the DER INTEGER is positive and exactly 16 bytes long.
    static func randomSerialNumber() -> Certificate.SerialNumber {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        bytes[0] = UInt8.random(in: 0x01...0x7F, using: &generator)
        return Certificate.SerialNumber(bytes: bytes)
    }

    static func wholeSeconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    static func path(_ directory: String, _ file: String) -> String {
        directory.hasSuffix("/") ? directory + file : directory + "/" + file
    }
}
