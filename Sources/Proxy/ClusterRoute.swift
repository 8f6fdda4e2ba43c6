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

    /// Splits a raw request target (`/clusters/prod/api/v1/pods?limit=500`). Reads its UTF-8
    /// bytes: it runs for every request, on the connection's event loop.
    public static func parse(_ target: String) throws(Refusal) -> ClusterRoute {
        let bytes = Array(target.utf8)
        let pathEnd = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.count
        let prefix: StaticString = "/clusters/"
        let prefixLength = prefix.utf8CodeUnitCount
        guard pathEnd >= prefixLength, prefix.withUTF8Buffer({ bytes[..<prefixLength].elementsEqual($0) }) else { throw .notUnderClusters }
        let nameEnd = bytes[prefixLength..<pathEnd].firstIndex(of: UInt8(ascii: "/")) ?? pathEnd
        let name = String(decoding: bytes[prefixLength..<nameEnd], as: UTF8.self)
        guard isValidClusterName(name) else { throw .invalidClusterName(name) }
        let rest = bytes[nameEnd..<pathEnd]
        // Dot segments would be resolved by someone downstream; refuse them outright, encoded or not.
        var segmentStart = rest.startIndex
        for index in rest.indices where index + 1 == rest.endIndex || rest[index + 1] == UInt8(ascii: "/") {
            // rest[segmentStart] is the '/' before the segment: the segment is what follows it, up to index.
            let length = index - segmentStart
            if (length == 1 || length == 2) && rest[segmentStart + 1...index].allSatisfy({ $0 == UInt8(ascii: ".") }) {
                throw .invalidPath("dot segments and encoded slashes are not allowed")
            }
            segmentStart = index + 1
        }
        for index in rest.indices where rest[index] == UInt8(ascii: "%") && index + 2 < rest.endIndex {
            let escape = (rest[index + 1], rest[index + 2] | 0x20)  // the hex letter in lower case
            if escape == (UInt8(ascii: "2"), UInt8(ascii: "e")) || escape == (UInt8(ascii: "2"), UInt8(ascii: "f"))
                || escape == (UInt8(ascii: "5"), UInt8(ascii: "c")) {
                throw .invalidPath("dot segments and encoded slashes are not allowed")
            }
        }
        if rest.contains(where: { $0 < 0x21 || $0 == 0x7F || $0 == UInt8(ascii: "\\") }) {
            throw .invalidPath("control characters, spaces and backslashes are not allowed")
        }
        let path = rest.isEmpty ? "/" : String(decoding: rest, as: UTF8.self)
        return ClusterRoute(cluster: name, upstreamTarget: pathEnd == bytes.count ? path : path + String(decoding: bytes[pathEnd...], as: UTF8.self))
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
