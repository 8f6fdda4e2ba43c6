import KubeAPI

/// Where a request goes: `/clusters/<name>/<rest>` names the cluster; the rest is the path the
/// cluster sees.
///
/// The name is read from the raw request target, before any decoding, and only plain names pass
/// (`[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63): no percent-encoding, no dot segments, no
/// empty segments, so `/clusters/prod%2F..%2Fstaging/…` or `/clusters/../…` cannot pick another
/// cluster than the one the policy was asked about.
public struct ClusterRoute: Sendable, Equatable {
    public var cluster: String
    /// The target as forwarded upstream: path after the cluster prefix (at least `/`) and the query.
    public var upstreamTarget: String

    public init(cluster: String, upstreamTarget: String) {
        self.cluster = cluster
        self.upstreamTarget = upstreamTarget
    }

    /// Why a target names no cluster.
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        case notUnderClusters
        case invalidClusterName(String)
        case invalidPath(String)

        public var description: String {
            switch self {
            case .notUnderClusters: "requests must go to /clusters/<name>/…"
            case .invalidClusterName(let name): "invalid cluster name \"\(name)\""
            case .invalidPath(let why): "invalid path: \(why)"
            }
        }
    }

    /// Splits a raw request target (`/clusters/prod/api/v1/pods?limit=500`).
    public static func parse(_ target: String) throws(Refusal) -> ClusterRoute {
        let pathEnd = target.firstIndex(of: "?") ?? target.endIndex
        let path = target[..<pathEnd]
        let query = target[pathEnd...]
        let prefix = "/clusters/"
        guard path.hasPrefix(prefix) else { throw .notUnderClusters }
        let afterPrefix = path.dropFirst(prefix.count)
        let nameEnd = afterPrefix.firstIndex(of: "/") ?? afterPrefix.endIndex
        let name = String(afterPrefix[..<nameEnd])
        guard isValidClusterName(name) else { throw .invalidClusterName(name) }
        var rest = String(afterPrefix[nameEnd...])
        if rest.isEmpty { rest = "/" }
        // Dot segments would be resolved by someone downstream; refuse them outright, encoded or not.
        for segment in rest.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let lowered = segment.lowercased()
            if lowered == "." || lowered == ".." || lowered.contains("%2e") || lowered.contains("%2f") || lowered.contains("%5c") {
                throw .invalidPath("dot segments and encoded slashes are not allowed")
            }
        }
        if rest.contains("\\") || rest.utf8.contains(where: { $0 < 0x21 || $0 == 0x7F }) {
            throw .invalidPath("control characters, spaces and backslashes are not allowed")
        }
        return ClusterRoute(cluster: name, upstreamTarget: rest + query)
    }

    /// Whether `name` is a DNS label: lowercase letters, digits and inner hyphens, 1 to 63 long.
    public static func isValidClusterName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...63).contains(bytes.count) else { return false }
        func alphanumeric(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) }
        guard alphanumeric(bytes.first!), alphanumeric(bytes.last!) else { return false }
        return bytes.allSatisfy { alphanumeric($0) || $0 == 0x2D }
    }
}
