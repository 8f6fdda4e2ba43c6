import KubeAPI
import NIOCore
import PodExec
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
            guard let protocolVersion = RemoteCommandProtocol(name: protocolName) else {
                throw Unsupported(description: "unsupported remotecommand protocol \(protocolName)")
            }
            let command = PodCommand.launch(target, podRoot: api.options.podRoot, on: channel.eventLoop)
            try channel.pipeline.syncOperations.addHandler(
                RemoteCommandWebSocketHandler(protocol: protocolVersion, options: PodCommand.options(target), target: command))
        }
    }

    /// Builds the SPDY side (raw bytes after the 101).
    static func spdy(_ target: ConnectTarget, protocolName: String, channel: Channel, api: EmulatedAPIServer) throws {
        switch target.subresource {
        case "portforward":
            let session = try SPDYSessionHandler(role: .server, configuration: .kubernetes, delegate: PortForwardSession(pod: target.podName))
            try channel.pipeline.syncOperations.addHandler(session)
        default:
            let session = try SPDYSessionHandler(
                role: .server, configuration: .kubernetes,
                delegate: RemoteCommandSPDYSession(target: target, podRoot: api.options.podRoot, eventLoop: channel.eventLoop))
            try channel.pipeline.syncOperations.addHandler(session)
        }
    }
}
