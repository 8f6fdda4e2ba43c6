import Foundation

/// Everything that can go wrong while creating, loading or using a Kubetrail CA.
///
/// Each case's ``description`` is written for the operator running `kubetrail ca ...`: it says what
/// was wrong and, where there is one, which flag changes the behaviour.
public enum CertificateAuthorityError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// `ca init` found an existing CA file and `--force` was not given.
    case authorityAlreadyExists(path: String)
    /// `ca.crt` or `ca.key` is missing from the CA directory.
    case authorityNotFound(path: String)
    /// A CA file exists but could not be parsed.
    case unreadableAuthorityFile(path: String, reason: String)
    /// `ca.key` does not belong to `ca.crt`.
    case keyDoesNotMatchCertificate(directory: String)
    /// The CA certificate is not (yet, or any longer) valid at the issuing time.
    case authorityNotValid(notValidBefore: Date, notValidAfter: Date, now: Date)

    /// The CA name is empty.
    case emptyAuthorityName
    /// The user name is empty.
    case emptyUser
    /// A group name is empty.
    case emptyGroup
    /// A user or group starts with `system:`, which Kubernetes reserves for its own identities.
    case reservedSystemName(kind: String, name: String)
    /// A user or group contains a character that is unsafe in a certificate subject.
    case forbiddenCharacter(kind: String, name: String, character: String)
    /// A user or group starts or ends with whitespace.
    case surroundingWhitespace(kind: String, name: String)
    /// A user or group is longer than RFC 5280 allows for the attribute it is stored in.
    case nameTooLong(kind: String, name: String, limit: Int)
    /// The same group was given twice.
    case duplicateGroup(String)

    /// No `--cluster` was given.
    case noClusters
    /// A cluster name is not a lowercase DNS label.
    case invalidClusterName(String)
    /// The same cluster was given twice.
    case duplicateCluster(String)
    /// The namespace is not a lowercase DNS label.
    case invalidNamespace(String)
    /// The proxy URL is not an absolute `https://host[:port][/path]` URL.
    case invalidServerURL(String, reason: String)

    /// A TTL string could not be parsed.
    case invalidTTL(String)
    /// The TTL is zero or negative.
    case nonPositiveTTL
    /// A client TTL above the short-lived limit without `--allow-long-ttl`.
    case ttlExceedsShortLivedLimit(requestedSeconds: Int64, limitSeconds: Int64)
    /// The certificate would outlive the CA.
    case ttlExceedsAuthorityLifetime(requestedNotAfter: Date, authorityNotAfter: Date)

    /// No `--host` was given for a server certificate.
    case noServerHosts
    /// A `--host` is neither an IP address nor a DNS name.
    case invalidServerHost(String)

    /// Writing a file failed.
    case fileWriteFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .authorityAlreadyExists(let path):
            return "a CA already exists at \(path); refusing to overwrite it (pass --force to replace it, "
                + "which invalidates every certificate it issued)"
        case .authorityNotFound(let path):
            return "no CA found: \(path) does not exist (create one with `kubetrail ca init --dir DIR`)"
        case .unreadableAuthorityFile(let path, let reason):
            return "cannot read CA file \(path): \(reason)"
        case .keyDoesNotMatchCertificate(let directory):
            return "the CA key in \(directory) does not match the CA certificate (ca.key and ca.crt are from different CAs)"
        case .authorityNotValid(let notBefore, let notAfter, let now):
            return "the CA certificate is not valid at \(Self.format(now)): it is valid from \(Self.format(notBefore)) "
                + "until \(Self.format(notAfter))"
        case .emptyAuthorityName:
            return "the CA name must not be empty"
        case .emptyUser:
            return "the user name must not be empty"
        case .emptyGroup:
            return "a group name must not be empty"
        case .reservedSystemName(let kind, let name):
            return "\(kind) \"\(name)\" starts with \"system:\", which Kubernetes reserves for its own identities "
                + "(pass --allow-system-user if you really mean it)"
        case .forbiddenCharacter(let kind, let name, let character):
            return "\(kind) \"\(Self.printable(name))\" contains \(character), which is not allowed in a certificate "
                + "subject (no control characters or any of , / + = \\ \" < > ; #)"
        case .surroundingWhitespace(let kind, let name):
            return "\(kind) \"\(name)\" starts or ends with whitespace"
        case .nameTooLong(let kind, let name, let limit):
            return "\(kind) \"\(name.prefix(20))...\" is \(name.utf8.count) bytes long; the limit is \(limit)"
        case .duplicateGroup(let group):
            return "group \"\(group)\" was given more than once"
        case .noClusters:
            return "at least one --cluster is required"
        case .invalidClusterName(let name):
            return "cluster name \"\(Self.printable(name))\" is invalid: use lowercase letters, digits and '-', "
                + "starting and ending with a letter or digit, at most 63 characters (e.g. prod-eu1)"
        case .duplicateCluster(let name):
            return "cluster \"\(name)\" was given more than once"
        case .invalidNamespace(let name):
            return "namespace \"\(Self.printable(name))\" is invalid: use lowercase letters, digits and '-', "
                + "starting and ending with a letter or digit, at most 63 characters"
        case .invalidServerURL(let url, let reason):
            return "server URL \"\(Self.printable(url))\" is invalid: \(reason) (expected e.g. https://proxy:8443)"
        case .invalidTTL(let text):
            return "TTL \"\(Self.printable(text))\" is invalid: use a duration such as 8h, 30m, 1h30m or 8760h"
        case .nonPositiveTTL:
            return "the TTL must be greater than zero"
        case .ttlExceedsShortLivedLimit(let requested, let limit):
            return "TTL \(CertificateTTL(seconds: requested)) exceeds the \(CertificateTTL(seconds: limit)) limit "
                + "for client certificates; short-lived certificates are the point of Kubetrail "
                + "(pass --allow-long-ttl to issue it anyway)"
        case .ttlExceedsAuthorityLifetime(let requested, let caNotAfter):
            return "the certificate would be valid until \(Self.format(requested)), but the CA expires at "
                + "\(Self.format(caNotAfter)); use a shorter --ttl or rotate the CA"
        case .noServerHosts:
            return "at least one --host is required for a server certificate"
        case .invalidServerHost(let host):
            return "host \"\(Self.printable(host))\" is neither an IP address nor a valid DNS name"
        case .fileWriteFailed(let path, let reason):
            return "cannot write \(path): \(reason)"
        }
    }

    public var errorDescription: String? { self.description }

    private static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// Renders control characters visibly so an error message cannot itself inject terminal escapes.
    static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
