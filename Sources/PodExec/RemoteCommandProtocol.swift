/// A WebSocket subprotocol of Kubernetes remote command (exec / attach), as negotiated in
/// `Sec-WebSocket-Protocol`.
///
/// Every version frames data the same way (one channel byte, then the bytes); they differ in
/// what the error channel carries and whether a client may half-close a stream:
/// - `v5.channel.k8s.io` (kubectl ≥ 1.29, the only one a 1.30+ apiserver accepts over WebSocket):
///   Status JSON on the error channel, and the CLOSE signal `[255, channel]`.
/// - `v4.channel.k8s.io` (the kubelet's legacy WebSocket server): Status JSON, no CLOSE signal.
/// - `channel.k8s.io` (v1): plain-text error message on the error channel, nothing on success.
public struct RemoteCommandProtocol: Hashable, Sendable, CustomStringConvertible {
    /// The subprotocol token, as sent in `Sec-WebSocket-Protocol`.
    public let name: String
    /// Whether the CLOSE signal (channel 255) half-closes a stream.
    public let supportsStreamClose: Bool
    /// Whether the error channel carries a `metav1.Status` JSON (v4+) or a plain-text message (v1).
    public let carriesStatusObject: Bool

    private init(name: String, supportsStreamClose: Bool, carriesStatusObject: Bool) {
        self.name = name
        self.supportsStreamClose = supportsStreamClose
        self.carriesStatusObject = carriesStatusObject
    }

    /// `v5.channel.k8s.io`: kubectl 1.32's default over WebSocket.
    public static let v5 = RemoteCommandProtocol(
        name: "v5.channel.k8s.io",
        supportsStreamClose: true,
        carriesStatusObject: true
    )
    /// `v4.channel.k8s.io`: exit codes as Status, no half-close.
    public static let v4 = RemoteCommandProtocol(
        name: "v4.channel.k8s.io",
        supportsStreamClose: false,
        carriesStatusObject: true
    )
    /// `channel.k8s.io`: the unversioned binary protocol; errors as plain text.
    public static let v1 = RemoteCommandProtocol(
        name: "channel.k8s.io",
        supportsStreamClose: false,
        carriesStatusObject: false
    )

    /// Every protocol this module can speak, newest first.
    public static let all: [RemoteCommandProtocol] = [.v5, .v4, .v1]

    /// The known protocol named `name` (exact, case-sensitive match as in Kubernetes), or nil.
    public init?(name: String) {
        guard let known = Self.all.first(where: { $0.name == name }) else { return nil }
        self = known
    }

    public var description: String { self.name }

    /// Picks the subprotocol to answer with.
    ///
    /// Like Kubernetes' handshake, the client's order wins: the first protocol the client
    /// offers that is in `supported` is chosen. `offered` are the raw values of every
    /// `Sec-WebSocket-Protocol` header (each may be a comma-separated list).
    /// Returns nil when nothing matches (including when the client offered nothing): the
    /// upgrade must then be refused.
    public static func negotiate(
        offered headerValues: [String],
        supported: [RemoteCommandProtocol]
    ) -> RemoteCommandProtocol? {
        for value in headerValues {
            for token in value.split(separator: ",", omittingEmptySubsequences: true) {
                let name = token.trimmingASCIISpaces()
                if let match = supported.first(where: { $0.name == name }) {
                    return match
                }
            }
        }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingASCIISpaces() -> String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
