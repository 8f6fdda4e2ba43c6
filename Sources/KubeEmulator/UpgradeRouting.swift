import KubeAPI
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOWebSocket
import SPDY

/// Which HTTP/1.1 upgrades the emulator accepts: exec, attach and port-forward, over WebSocket
/// (`v5.channel.k8s.io`, `v4.channel.k8s.io`, `SPDY/3.1+portforward.k8s.io`) and over
/// SPDY/3.1. A request that is not admitted (bad caller, no pod, no protocol in common) is not
/// upgraded: it reaches the request handler, which answers with the refusal's Status, and
/// kubectl falls back from WebSocket to SPDY as it does against kube-apiserver.
struct UpgradeRouting: Sendable {
    let api: EmulatedAPIServer

    static let webSocketExecProtocols = ["v5.channel.k8s.io", "v4.channel.k8s.io"]
    static let webSocketPortForwardProtocol = "SPDY/3.1+portforward.k8s.io"
    static let spdyExecProtocols = ["v4.channel.k8s.io"]
    static let spdyPortForwardProtocol = "portforward.k8s.io"

    /// The upgraders for one connection.
    func upgraders(certificateUser: UserIdentity?) -> [any HTTPServerProtocolUpgrader & Sendable] {
        let admitted = AdmittedConnect()
        let api = self.api
        let webSocket = NIOWebSocketServerUpgrader(
            maxFrameSize: 1 << 20, automaticErrorHandling: true,
            shouldUpgrade: { channel, head in
                let offered = head.headers["sec-websocket-protocol"].flatMap { $0.split(separator: ",") }.map { $0.trimming(" ") }
                let request = Self.request(head)
                let choices = request.info.subresource == "portforward" ? [Self.webSocketPortForwardProtocol] : Self.webSocketExecProtocols
                guard request.info.isConnect, let chosen = choices.first(where: offered.contains) else {
                    return channel.eventLoop.makeSucceededFuture(nil)
                }
                return channel.eventLoop.makeFutureWithTask {
                    guard let target = await api.admitConnect(request, certificateUser: certificateUser) else { return nil }
                    admitted.set(target, protocolName: chosen)
                    return HTTPHeaders([("Sec-WebSocket-Protocol", chosen)])
                }
            },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    guard let (target, protocolName) = admitted.take() else { throw UpgradeDeclined() }
                    try StreamingEndpoints.webSocket(target, protocolName: protocolName, channel: channel, api: api)
                }
            })
        let spdy = SPDYServerUpgrader(api: api, certificateUser: certificateUser)
        return [webSocket, spdy]
    }

    /// The EmulatorRequest of an upgrade request head (no body: upgrades carry none).
    static func request(_ head: HTTPRequestHead) -> EmulatorRequest {
        let (path, query) = EmulatorRequest.splitTarget(head.uri)
        return EmulatorRequest(method: head.method.rawValue, path: path, query: query,
                               headers: head.headers.map { ($0.name.lowercased(), $0.value) }, body: [],
                               caller: UserIdentity(name: "", groups: []))
    }
}

/// The connect request admitted by `shouldUpgrade`, for the pipeline step that follows it.
///
/// A lock, because admission finishes on a Swift task and the pipeline is built on the event
/// loop; it is held only to move the value.
final class AdmittedConnect: Sendable {
    private let value = NIOLockedValueBox<(ConnectTarget, String)?>(nil)
    func set(_ target: ConnectTarget, protocolName: String) { value.withLockedValue { $0 = (target, protocolName) } }
    func take() -> (ConnectTarget, String)? {
        value.withLockedValue { slot in
            let taken = slot
            slot = nil
            return taken
        }
    }
}

/// An upgrade the emulator will not perform; the request is answered as plain HTTP instead.
struct UpgradeDeclined: Error {}

/// `Upgrade: SPDY/3.1`, as kubectl sends with WebSockets turned off (and as its fallback).
final class SPDYServerUpgrader: HTTPServerProtocolUpgrader, Sendable {
    let supportedProtocol = "SPDY/3.1"
    let requiredUpgradeHeaders: [String] = []
    private let api: EmulatedAPIServer
    private let certificateUser: UserIdentity?
    private let admitted = AdmittedConnect()

    init(api: EmulatedAPIServer, certificateUser: UserIdentity?) {
        self.api = api
        self.certificateUser = certificateUser
    }

    func buildUpgradeResponse(channel: Channel, upgradeRequest: HTTPRequestHead, initialResponseHeaders: HTTPHeaders)
        -> EventLoopFuture<HTTPHeaders>
    {
        let request = UpgradeRouting.request(upgradeRequest)
        let offered = upgradeRequest.headers["x-stream-protocol-version"].flatMap { $0.split(separator: ",") }.map { $0.trimming(" ") }
        let choices = request.info.subresource == "portforward" ? [UpgradeRouting.spdyPortForwardProtocol] : UpgradeRouting.spdyExecProtocols
        guard request.info.isConnect, let chosen = choices.first(where: offered.contains) else {
            return channel.eventLoop.makeFailedFuture(UpgradeDeclined())
        }
        let api = self.api
        let certificateUser = self.certificateUser
        let admitted = self.admitted
        return channel.eventLoop.makeFutureWithTask {
            guard let target = await api.admitConnect(request, certificateUser: certificateUser) else { throw UpgradeDeclined() }
            admitted.set(target, protocolName: chosen)
            var headers = initialResponseHeaders
            headers.add(name: "X-Stream-Protocol-Version", value: chosen)
            return headers
        }
    }

    func upgrade(context: ChannelHandlerContext, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<Void> {
        let channel = context.channel
        let api = self.api
        return context.eventLoop.makeCompletedFuture {
            guard let (target, protocolName) = self.admitted.take() else { throw UpgradeDeclined() }
            try StreamingEndpoints.spdy(target, protocolName: protocolName, channel: channel, api: api)
        }
    }
}
