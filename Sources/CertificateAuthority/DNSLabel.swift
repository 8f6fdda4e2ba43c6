/// RFC 1123 label rules as Kubernetes applies them to names: `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 bytes.
enum DNSLabel {
    static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 63 else { return false }
        func alphanumeric(_ b: UInt8) -> Bool {
            (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
        }
        guard alphanumeric(bytes.first!), alphanumeric(bytes.last!) else { return false }
        return bytes.allSatisfy { alphanumeric($0) || $0 == UInt8(ascii: "-") }
    }
}

/// The name of a cluster behind the proxy; it is both a URL path segment and a kubeconfig context name.
public struct ClusterName: Hashable, Sendable, CustomStringConvertible {
    /// The validated name.
    public let rawValue: String

    /// Validates `name` against `[a-z0-9]([-a-z0-9]*[a-z0-9])?` (max. 63 characters).
    public init(_ name: String) throws(CertificateAuthorityError) {
        guard DNSLabel.isValid(name) else { throw .invalidClusterName(name) }
        self.rawValue = name
    }

    public var description: String { self.rawValue }
}
