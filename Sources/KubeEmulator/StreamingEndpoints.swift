import KubeAPI
import NIOCore
import SPDY

/// What runs on a connection once it is upgraded: the pod's command (exec, attach) or its ports
/// (port-forward), over WebSocket or SPDY.
enum StreamingEndpoints {
    struct Unsupported: Error, CustomStringConvertible { var description: String }

    /// Builds the WebSocket side (after NIOWebSocket's frame codec).
    static func webSocket(_ target: ConnectTarget, protocolName: String, channel: Channel, api: EmulatedAPIServer) throws {
        switch target.subresource {
        case "portforward":
            let session = try SPDYSessionHandler(role: .server, configuration: .kubernetes, delegate: PortForwardSession(pod: target.podName))
            try channel.pipeline.syncOperations.addHandlers([WebSocketSPDYBridge(), session])
        default:
            throw Unsupported(description: "exec and attach over WebSocket are not wired yet")
        }
    }

    /// Builds the SPDY side (raw bytes after the 101).
    static func spdy(_ target: ConnectTarget, protocolName: String, channel: Channel, api: EmulatedAPIServer) throws {
        switch target.subresource {
        case "portforward":
            let session = try SPDYSessionHandler(role: .server, configuration: .kubernetes, delegate: PortForwardSession(pod: target.podName))
            try channel.pipeline.syncOperations.addHandler(session)
        default:
            throw Unsupported(description: "exec and attach over SPDY are not wired yet")
        }
    }
}
