import Foundation

/// Why a client certificate was refused.
public enum ClientCertificateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The connection presented no certificate.
    case noCertificate
    /// Certificate number `index` of the presented chain (0 = leaf) is not valid DER.
    case malformedCertificate(index: Int, reason: String)
    /// The leaf's notBefore is later than now plus the allowed skew.
    case notYetValid(notBefore: Date, now: Date)
    /// The leaf's notAfter is earlier than now minus the allowed skew.
    case expired(notAfter: Date, now: Date)
    /// The leaf's serial number is on the deny-list.
    case revokedSerial(String)
    /// The leaf is a CA certificate (basicConstraints cA = true), never acceptable as a client.
    case certificateAuthorityAsClient
    /// The leaf has an extendedKeyUsage extension without clientAuth.
    case notForClientAuthentication
    /// An extension the checks need could not be decoded.
    case malformedExtension(String)
    /// No chain from the leaf to a configured CA root meets the policy (unknown CA, bad signature, expired intermediate …).
    case untrustedChain(reason: String)
    /// The subject has no CN.
    case missingCommonName
    /// The subject has more than one CN (ambiguous user).
    case multipleCommonNames
    /// A CN or O value is not a printable/UTF-8/IA5 string.
    case nonStringName
    /// The CN is a reserved `system:` name and the configuration does not allow it.
    case systemUserRefused(String)
    /// An O is a reserved `system:` group and the configuration does not allow it.
    case systemGroupRefused(String)
    /// A CN or O is empty or contains control characters.
    case invalidName(String)

    public var description: String {
        switch self {
        case .noCertificate: "no client certificate presented"
        case .malformedCertificate(let index, let reason): "certificate \(index) of the chain is malformed: \(reason)"
        case .notYetValid(let notBefore, let now): "client certificate not yet valid: valid from \(notBefore), now \(now)"
        case .expired(let notAfter, let now): "client certificate expired at \(notAfter), now \(now)"
        case .revokedSerial(let serial): "client certificate serial \(serial) is revoked"
        case .certificateAuthorityAsClient: "client certificate is a CA certificate"
        case .notForClientAuthentication: "client certificate's extended key usage does not include clientAuth"
        case .malformedExtension(let reason): "client certificate has a malformed extension: \(reason)"
        case .untrustedChain(let reason): "client certificate is not signed by a trusted CA: \(reason)"
        case .missingCommonName: "client certificate subject has no CN (user name)"
        case .multipleCommonNames: "client certificate subject has more than one CN"
        case .nonStringName: "client certificate subject has a CN or O that is not a string"
        case .systemUserRefused(let user): "client certificate user \(String(reflecting: user)) is a reserved system: name"
        case .systemGroupRefused(let group): "client certificate group \(String(reflecting: group)) is a reserved system: group"
        case .invalidName(let name): "client certificate has an empty name or one with control characters: \(String(reflecting: name))"
        }
    }
}
