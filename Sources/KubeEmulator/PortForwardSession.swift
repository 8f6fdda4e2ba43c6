import KubeAPI
import NIOCore
import SPDY

/// The server side of `kubectl port-forward` over SPDY (plain, or tunnelled in WebSocket
/// messages): each forwarded connection is a pair of streams, `error` and `data`, sharing a
/// `requestid`; the data stream reaches a `PortForwardResponder` for the pod's port.
///
/// Runs on the connection's event loop (the SPDY handler calls it there).
final class PortForwardSession: SPDYSessionDelegate {
    private struct Pair {
        var error: SPDYStreamID?
        var data: SPDYStreamID?
        var responder: PortForwardResponder
        var finished = false
    }

    private let pod: String
    private var pairs: [String: Pair] = [:]

    init(pod: String) { self.pod = pod }

    func spdySession(_ handler: SPDYSessionHandler, didReceive event: SPDYSessionEvent) {
        switch event {
        case .streamOpened(let id, let headers, _, let fin, _):
            let request = headers["requestid"] ?? ""
            let type = headers["streamtype"] ?? ""
            guard let port = headers["port"].flatMap({ Int($0) }), (1...65535).contains(port), ["error", "data"].contains(type) else {
                _ = handler.reset(stream: id, status: .protocolError)
                return
            }
            var pair = pairs[request] ?? Pair(responder: PortForwardResponder(pod: pod, port: port))
            if type == "error" { pair.error = id } else { pair.data = id }
            pairs[request] = pair
            _ = try? handler.reply(stream: id)
            if fin, type == "data" { finish(request, handler) }
        case .data(let id, let bytes, let fin):
            guard let (request, pair) = pairs.first(where: { $0.value.data == id }) else { return }
            var responder = pair.responder
            let (reply, finished) = responder.receive(Array(bytes.readableBytesView))
            pairs[request]?.responder = responder
            if !reply.isEmpty { _ = try? handler.sendData(stream: id, ByteBuffer(bytes: reply)) }
            if finished || fin { finish(request, handler) }
        case .streamReset(let id, _):
            if let request = pairs.first(where: { $0.value.data == id || $0.value.error == id })?.key {
                pairs[request] = nil
            }
        case .goAway:
            handler.close()
        default:
            break
        }
    }

    /// Ends a forwarded connection: FIN on its data and error streams, as the kubelet does when
    /// the pod side closes.
    private func finish(_ request: String, _ handler: SPDYSessionHandler) {
        guard let pair = pairs[request], !pair.finished else { return }
        pairs[request]?.finished = true
        if let data = pair.data { _ = try? handler.finish(stream: data) }
        if let error = pair.error { _ = try? handler.finish(stream: error) }
    }

    func spdySessionDidClose(_ handler: SPDYSessionHandler, error: (any Error)?) {
        pairs = [:]
    }
}
