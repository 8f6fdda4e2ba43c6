/// Which remote-command or port-forward protocol a session speaks, from the 101 answer.
///
/// The proxy sees both the client's offer and the cluster's choice; only the choice (the 101
/// response) says how the bytes that follow are framed.
public enum SessionTransport: Sendable, Equatable {
    /// WebSocket with the negotiated `Sec-WebSocket-Protocol`: a `channel.k8s.io` version
    /// (`v5.channel.k8s.io`, `v4.channel.k8s.io`, …) or `SPDY/3.1+portforward.k8s.io`
    /// (kubectl 1.32 tunnels SPDY in WebSocket binary messages for port-forward).
    case webSocket(subprotocol: String)
    /// SPDY/3.1 with the negotiated `X-Stream-Protocol-Version`: `v4.channel.k8s.io` … for
    /// exec and attach, `portforward.k8s.io` for port-forward; empty when the server named none.
    case spdy(protocolVersion: String)

    /// The subprotocol kubectl 1.32 uses for port-forward: SPDY inside WebSocket binary messages.
    public static let tunnelledSPDYSubprotocol = "SPDY/3.1+portforward.k8s.io"
    /// The `X-Stream-Protocol-Version` of port-forward over SPDY.
    public static let portForwardProtocol = "portforward.k8s.io"

    /// Decides from the 101 response headers (Upgrade, Sec-WebSocket-Protocol,
    /// X-Stream-Protocol-Version); nil when unknown.
    ///
    /// Header names match case-insensitively, as HTTP's do. A WebSocket answer without a
    /// subprotocol is unknown (client-go would fall back to the unframed v1 protocol, which
    /// kubectl never asks for); any named subprotocol is returned as it is, and `SessionTap`
    /// reports the ones it cannot parse.
    public static func negotiated(responseHeaders: [(String, String)]) -> SessionTransport? {
        func value(_ name: String) -> String? {
            responseHeaders.first { $0.0.lowercased() == name }.map { $0.1.trimmingASCIISpaces() }
        }
        guard let upgrade = value("upgrade")?.lowercased() else { return nil }
        if upgrade == "websocket" {
            guard let subprotocol = value("sec-websocket-protocol"), !subprotocol.isEmpty else { return nil }
            return .webSocket(subprotocol: subprotocol)
        }
        if upgrade == "spdy/3.1" {
            return .spdy(protocolVersion: value("x-stream-protocol-version") ?? "")
        }
        return nil
    }

    /// Whether the session is a port-forward (data and error streams per port) rather than a
    /// remote command (exec or attach).
    public var isPortForward: Bool {
        switch self {
        case .webSocket(let subprotocol): return subprotocol == Self.tunnelledSPDYSubprotocol
        case .spdy(let version): return version == Self.portForwardProtocol
        }
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    func trimmingASCIISpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
            let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })
        else { return "" }
        return String(scalars[first...last])
    }
}
