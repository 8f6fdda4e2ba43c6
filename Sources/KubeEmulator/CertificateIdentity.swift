import KubeAPI
import NIOSSL
import X509

/// The Kubernetes identity in a client certificate: CN is the user, each O a group.
enum CertificateIdentity {
    static func user(of certificate: NIOSSLCertificate) throws -> UserIdentity? {
        let parsed = try Certificate(derEncoded: try certificate.toDERBytes())
        var name: String?
        var groups: [String] = []
        for relative in parsed.subject {
            for attribute in relative {
                if attribute.type == .RDNAttributeType.commonName { name = String(describing: attribute.value) }
                if attribute.type == .RDNAttributeType.organizationName { groups.append(String(describing: attribute.value)) }
            }
        }
        guard let name, !name.isEmpty else { return nil }
        return UserIdentity(name: name, groups: groups)
    }
}
