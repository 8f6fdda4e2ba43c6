import Foundation

/// Who a client proved to be, as established by one of the proxy's authenticators.
///
/// This is what the proxy impersonates upstream and stamps on every audit event.
/// It never holds a secret: ``Credential`` names a certificate or token without being one.
public struct ProxyIdentity: Sendable, Hashable {
    /// The group every authenticated identity belongs to, as in Kubernetes.
    public static let authenticatedGroup = "system:authenticated"

    /// How the client authenticated.
    public enum Method: String, Sendable, Hashable {
        case x509
        case oidc
    }

    /// What identifies the credential the client presented (for the audit trail), never the credential itself.
    public enum Credential: Sendable, Hashable, CustomStringConvertible {
        /// Serial number of the client certificate, lowercase hex, two digits a byte.
        case certificateSerial(String)
        /// The JWT's `jti` claim.
        case tokenID(String)
        /// SHA-256 of the whole bearer token, lowercase hex (used when the token has no `jti`).
        case tokenSHA256(String)

        public var description: String {
            switch self {
            case .certificateSerial(let serial): "x509-serial:\(serial)"
            case .tokenID(let jti): "jti:\(jti)"
            case .tokenSHA256(let digest): "sha256:\(digest)"
            }
        }
    }

    /// The user name (certificate CN or the OIDC username claim, prefixed as configured).
    public let user: String
    /// Groups in first-seen order, without duplicates; always ends with `system:authenticated`, present exactly once.
    public let groups: [String]
    public let method: Method
    public let credential: Credential
    /// When the credential stops being valid (certificate notAfter, token exp).
    public let expiry: Date

    /// Creates an identity; `groups` is deduplicated and `system:authenticated` is added exactly once.
    public init(user: String, groups: [String], method: Method, credential: Credential, expiry: Date) {
        self.user = user
        var seen: Set<String> = [Self.authenticatedGroup]
        var ordered: [String] = []
        ordered.reserveCapacity(groups.count + 1)
        for group in groups where seen.insert(group).inserted {
            ordered.append(group)
        }
        ordered.append(Self.authenticatedGroup)
        self.groups = ordered
        self.method = method
        self.credential = credential
        self.expiry = expiry
    }
}
