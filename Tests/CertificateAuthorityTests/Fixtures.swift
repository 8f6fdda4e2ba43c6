import CertificateAuthority
import Foundation
import SwiftASN1
import X509

/// Shared helpers for the tests: fixed clock, temporary directories, subject attribute readers.
enum Fixtures {
    /// 2026-11-25T12:00:00Z, a whole second so certificate times compare exactly.
    static let now = Date(timeIntervalSince1970: 1_795_608_000)

    static func temporaryDirectory(_ label: String = #function) throws -> String {
        let base = FileManager.default.temporaryDirectory.path
        let path = "\(base)/proxyca-\(label.filter(\.isLetter))-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as! NSNumber).intValue & 0o777
    }

    static func commonNames(_ name: DistinguishedName) -> [String] {
        values(name, ASN1ObjectIdentifier.RDNAttributeType.commonName)
    }

    static func organizations(_ name: DistinguishedName) -> [String] {
        values(name, ASN1ObjectIdentifier.RDNAttributeType.organizationName)
    }

    private static func values(_ name: DistinguishedName, _ oid: ASN1ObjectIdentifier) -> [String] {
        name.flatMap { $0 }.filter { $0.type == oid }.compactMap { String($0.value) }
    }

    /// Validates `leaf` against `roots` with swift-certificates' RFC 5280 policy at `time`.
    static func verify(_ leaf: Certificate, roots: [Certificate], at time: Date) async -> Bool {
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
            RFC5280Policy(validationTime: time)
        }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore())
        if case .validCertificate = result { return true }
        return false
    }
}
