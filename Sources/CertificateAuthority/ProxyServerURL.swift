import Foundation

/// The proxy's base URL as users reach it, e.g. `https://proxy:8443`; each cluster lives under `/clusters/<name>`.
public struct ProxyServerURL: Hashable, Sendable, CustomStringConvertible {
    /// The normalised base URL without a trailing slash.
    public let base: String

    /// Validates `text`: it must be an absolute `https` URL with a host, and without credentials,
    /// query or fragment (kubectl appends API paths to it, which would break all three).
    public init(_ text: String) throws(CertificateAuthorityError) {
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == " " }) {
            throw .invalidServerURL(text, reason: "it contains whitespace or control characters")
        }
        guard let components = URLComponents(string: text) else {
            throw .invalidServerURL(text, reason: "it is not a URL")
        }
        guard components.scheme?.lowercased() == "https" else {
            throw .invalidServerURL(text, reason: "the scheme must be https (the proxy only serves TLS)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw .invalidServerURL(text, reason: "it has no host")
        }
        guard components.user == nil, components.password == nil else {
            throw .invalidServerURL(text, reason: "it must not contain credentials")
        }
        guard components.query == nil, components.fragment == nil else {
            throw .invalidServerURL(text, reason: "it must not have a query or fragment")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw .invalidServerURL(text, reason: "the port must be between 1 and 65535")
        }
        var base = text
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
    }

    /// The server URL kubectl should use for `cluster`: `<base>/clusters/<name>`.
    public func url(for cluster: ClusterName) -> String {
        "\(self.base)/clusters/\(cluster.rawValue)"
    }

    public var description: String { self.base }
}
