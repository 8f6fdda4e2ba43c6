import Crypto
import Foundation
import SwiftASN1
import X509

/// A throwaway CA for tests, issuing client certificates with chosen names, serials and dates.
struct TestCA {
    static let now = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-19, fixed for reproducibility

    let key: P256.Signing.PrivateKey
    let certificate: Certificate

    init(name: String = "Kubetrail Test CA", notBefore: Date = now - 86_400 * 30, notAfter: Date = now + 86_400 * 365) throws {
        self.key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            CommonName(name)
            OrganizationName("Kubetrail")
        }
        self.certificate = try Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: .init(self.key.publicKey),
            notValidBefore: notBefore,
            notValidAfter: notAfter,
            issuer: subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(self.key)
        )
    }

    /// Issues a client certificate; `subject` nil means CN=alice, O=dev, O=ops.
    func issue(
        subject: DistinguishedName? = nil,
        serial: Certificate.SerialNumber = .init(bytes: [0x01, 0x23, 0x45, 0x67]),
        notBefore: Date = now - 3_600,
        notAfter: Date = now + 8 * 3_600,
        usages: [ExtendedKeyUsage.Usage]? = [.clientAuth],
        isCA: Bool = false
    ) throws -> Certificate {
        let leafKey = P256.Signing.PrivateKey()
        let name = try subject ?? DistinguishedName {
            CommonName("alice")
            OrganizationName("dev")
            OrganizationName("ops")
        }
        return try Certificate(
            version: .v3,
            serialNumber: serial,
            publicKey: .init(leafKey.publicKey),
            notValidBefore: notBefore,
            notValidAfter: notAfter,
            issuer: self.certificate.subject,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                if isCA {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                } else {
                    Critical(BasicConstraints.notCertificateAuthority)
                }
                Critical(KeyUsage(digitalSignature: true))
                if let usages {
                    try ExtendedKeyUsage(usages)
                }
            },
            issuerPrivateKey: .init(self.key)
        )
    }
}

func der(_ certificate: Certificate) throws -> [UInt8] {
    var serializer = DER.Serializer()
    try serializer.serialize(certificate)
    return serializer.serializedBytes
}
