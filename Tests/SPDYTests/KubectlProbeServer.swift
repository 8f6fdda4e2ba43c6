import Foundation
import NIOConcurrencyHelpers
import NIOCore
@testable import SPDY

/// Serves GET pod, and upgrades POST …/exec to SPDY/3.1; logs what it saw.
final class UpgradeProbeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let log: NIOLockedValueBox<[String]>
    private var head = ByteBuffer()

    init(log: NIOLockedValueBox<[String]>) { self.log = log }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        head.writeBuffer(&bytes)
        let text = String(decoding: head.readableBytesView, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return }
        let lines = text[..<end.lowerBound].components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        let method = String(requestLine[0])
        let target = String(requestLine[1])
        log.withLockedValue { $0.append("request \(method) \(target)") }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        if method == "GET", let body = Self.discovery(target) {
            respond(context, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
            return
        }
        let upgrade = headers.first { $0.0 == "upgrade" }?.1 ?? ""
        let isExec = target.contains("/exec?")
        let isPortForward = target.hasPrefix("/api/v1/namespaces/default/pods/web/portforward")
        guard method == "POST", isExec || isPortForward, upgrade == "SPDY/3.1" else {
            respond(context, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        }
        let protocols = headers.filter { $0.0 == "x-stream-protocol-version" }.map(\.1).joined(separator: ",")
        log.withLockedValue { $0.append("upgrade \(upgrade) protocols \(protocols)") }
        let command = target.components(separatedBy: "command=").last?.components(separatedBy: "&").first ?? ""
        let negotiated = isExec ? "v4.channel.k8s.io" : "portforward.k8s.io"
        let response = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: \(negotiated)\r\n\r\n"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response)), promise: nil)
        let delegate: any SPDYSessionDelegate = isExec ? FakeExec(command: command, log: log) : FakePortForward(log: log)
        let spdy = try! SPDYSessionHandler(role: .server, configuration: .kubernetes, delegate: delegate)
        try! context.pipeline.syncOperations.addHandler(spdy, position: .after(self))
        head.moveReaderIndex(forwardBy: text[..<end.upperBound].utf8.count)
        let leftover = head
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        if leftover.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(leftover)) }
    }

    typealias InboundOut = ByteBuffer

    /// Just enough discovery and one pod for `kubectl exec` to get to the upgrade.
    static func discovery(_ target: String) -> String? {
        let path = target.components(separatedBy: "?")[0]
        switch path {
        case "/version":
            return #"{"major":"1","minor":"32","gitVersion":"v1.32.4","platform":"linux/amd64"}"#
        case "/api":
            return #"{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1"}]}"#
        case "/apis":
            return #"{"kind":"APIGroupList","apiVersion":"v1","groups":[]}"#
        case "/api/v1":
            return #"{"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["get","list"],"shortNames":["po"]},{"name":"pods/exec","singularName":"","namespaced":true,"kind":"PodExecOptions","verbs":["create","get"]},{"name":"pods/portforward","singularName":"","namespaced":true,"kind":"PodPortForwardOptions","verbs":["create","get"]}]}"#
        case "/api/v1/namespaces/default/pods/web":
            return #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default"},"spec":{"containers":[{"name":"c","image":"x"}]},"status":{"phase":"Running"}}"#
        default:
            return nil
        }
    }

    private func respond(_ context: ChannelHandlerContext, _ text: String) {
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text))).whenComplete { _ in bound.value.close(promise: nil) }
    }
}

/// A pretend container process: `cat` echoes stdin to stdout; `exit3` exits with code 3.
final class FakeExec: SPDYSessionDelegate {
    let command: String
    let log: NIOLockedValueBox<[String]>
    var streams: [String: SPDYStreamID] = [:]

    init(command: String, log: NIOLockedValueBox<[String]>) {
        self.command = command
        self.log = log
    }

    func spdySession(_ handler: SPDYSessionHandler, didReceive event: SPDYSessionEvent) {
        switch event {
        case .streamOpened(let id, let headers, _, _, _):
            let type = headers["streamtype"] ?? "?"
            log.withLockedValue { $0.append("opened \(id.rawValue) streamtype=\(type)") }
            streams[type] = id
            try! handler.reply(stream: id)
            // The kubelet waits for all expected streams; with no stdin to wait for, exit3
            // finishes as soon as they are there.
            if command == "exit3" && streams.count == 4 { exit(handler, code: 3) }
        case .data(let id, let bytes, let fin):
            guard id == streams["stdin"] else { return }
            if bytes.readableBytes > 0, command == "cat", let stdout = streams["stdout"] {
                try! handler.sendData(stream: stdout, bytes)
            }
            if fin {
                log.withLockedValue { $0.append("stdin fin") }
                if command == "cat" { exit(handler, code: 0) }
            }
        case .goAway(let last, let status):
            log.withLockedValue { $0.append("goaway \(last.rawValue) \(status.rawValue)") }
            handler.close()
        case .streamReset(let id, let status):
            log.withLockedValue { $0.append("reset \(id.rawValue) \(status)") }
        case .ping(let id, _):
            log.withLockedValue { $0.append("ping \(id)") }
        default:
            break
        }
    }

    private func exit(_ handler: SPDYSessionHandler, code: Int) {
        for type in ["stdout", "stderr"] {
            if let id = streams[type] { _ = try? handler.finish(stream: id) }
        }
        let status = code == 0
            ? #"{"metadata":{},"status":"Success"}"#
            : #"{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"\#(code)"}]}}"#
        if let error = streams["error"] {
            _ = try? handler.sendData(stream: error, ByteBuffer(string: status), fin: true)
        }
    }

    func spdySessionDidClose(_ handler: SPDYSessionHandler, error: (any Error)?) {
        log.withLockedValue { $0.append("closed \(error.map { "\($0)" } ?? "clean")") }
    }
}

/// A pretend pod port: echoes each forwarded connection's bytes upper-cased; when the
/// local client hangs up (FIN on the data stream) it ends the data and error streams, as
/// the kubelet does when the container side closes.
final class FakePortForward: SPDYSessionDelegate {
    let log: NIOLockedValueBox<[String]>
    /// requestid -> (error stream, data stream)
    var pairs: [String: (error: SPDYStreamID?, data: SPDYStreamID?)] = [:]

    init(log: NIOLockedValueBox<[String]>) { self.log = log }

    func spdySession(_ handler: SPDYSessionHandler, didReceive event: SPDYSessionEvent) {
        switch event {
        case .streamOpened(let id, let headers, _, _, _):
            let type = headers["streamtype"] ?? "?"
            let request = headers["requestid"] ?? "?"
            log.withLockedValue { $0.append("opened \(id.rawValue) streamtype=\(type) port=\(headers["port"] ?? "?") requestid=\(request)") }
            var pair = pairs[request] ?? (nil, nil)
            if type == "error" { pair.error = id } else { pair.data = id }
            pairs[request] = pair
            try! handler.reply(stream: id)
        case .data(let id, let bytes, let fin):
            guard let (request, pair) = pairs.first(where: { $0.value.data == id }) else {
                if fin { log.withLockedValue { $0.append("error stream fin \(id.rawValue)") } }
                return
            }
            if bytes.readableBytes > 0 {
                let upper = String(decoding: bytes.readableBytesView, as: UTF8.self).uppercased()
                try! handler.sendData(stream: id, ByteBuffer(string: upper))
            }
            if fin {
                log.withLockedValue { $0.append("data fin request \(request)") }
                _ = try? handler.finish(stream: id)
                if let error = pair.error { _ = try? handler.finish(stream: error) }
            }
        case .streamReset(let id, let status):
            log.withLockedValue { $0.append("reset \(id.rawValue) \(status)") }
        case .goAway(let last, let status):
            log.withLockedValue { $0.append("goaway \(last.rawValue) \(status.rawValue)") }
            handler.close()
        case .ping(let id, _):
            log.withLockedValue { $0.append("ping \(id)") }
        default:
            break
        }
    }

    func spdySessionDidClose(_ handler: SPDYSessionHandler, error: (any Error)?) {
        log.withLockedValue { $0.append("closed \(error.map { "\($0)" } ?? "clean")") }
    }
}
