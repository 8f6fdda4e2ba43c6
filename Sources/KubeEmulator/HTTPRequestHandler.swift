import KubeAPI
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Collects one HTTP request (HTTP/1.1 connection or HTTP/2 stream), hands it to the API and
/// writes the answer, streaming bodies with backpressure (each chunk waits for the write).
final class HTTPRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        /// The head and the body so far; past the limit only the count of bytes is kept.
        case receiving(HTTPRequestHead, [UInt8], received: Int, tooLarge: Bool)
        case responding
    }

    private let api: EmulatedAPIServer
    private let certificateUser: UserIdentity?
    private var state = State.idle

    init(api: EmulatedAPIServer, certificateUser: UserIdentity?) {
        self.api = api
        self.certificateUser = certificateUser
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .idle), (.head(let head), .responding):
            state = .receiving(head, [], received: 0, tooLarge: false)
        case (.body(var buffer), .receiving(let head, var body, let received, let tooLarge)):
            let limit = api.options.maxRequestBodyBytes
            let count = buffer.readableBytes
            if !tooLarge, body.count + count <= limit {
                body.append(contentsOf: buffer.readBytes(length: count) ?? [])
                state = .receiving(head, body, received: received + count, tooLarge: false)
            } else {
                state = .receiving(head, [], received: received + count, tooLarge: true)
            }
        case (.end, .receiving(let head, let body, let received, let tooLarge)):
            state = .responding
            respond(context: context, head: head, body: body, received: received, tooLarge: tooLarge)
        default:
            break
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8], received: Int, tooLarge: Bool) {
        let (path, query) = EmulatorRequest.splitTarget(head.uri)
        let headers = head.headers.map { ($0.name.lowercased(), $0.value) }
        var request = EmulatorRequest(
            method: head.method.rawValue, path: path, query: query, headers: headers, body: body,
            caller: UserIdentity(name: "", groups: []))
        request.receivedBodyBytes = received
        let api = self.api
        let certificateUser = self.certificateUser
        let channel = context.channel
        let keepAlive = head.isKeepAlive
        let version = head.version
        let auditID = request.header("audit-id") ?? UUIDText.random()
        let limit = api.options.maxRequestBodyBytes
        Task { [request, api, certificateUser, tooLarge, limit, channel, version, keepAlive, auditID] in
            await HTTPExchange.serve(request, api: api, certificateUser: certificateUser, tooLarge: tooLarge, limit: limit,
                             channel: channel, version: version, keepAlive: keepAlive, auditID: auditID)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A declined upgrade is reported here before the request is passed on as plain HTTP.
        if error is UpgradeDeclined || error is NIOWebSocketUpgradeError { return }
        context.close(promise: nil)
    }
}

/// Runs one request through the API and writes its answer to the channel.
enum HTTPExchange {
    static func serve(_ request: EmulatorRequest, api: EmulatedAPIServer, certificateUser: UserIdentity?,
                              tooLarge: Bool, limit: Int, channel: Channel, version: HTTPVersion, keepAlive: Bool,
                              auditID: String) async {
        let response: EmulatorResponse
        if tooLarge {
            response = .status(.requestEntityTooLarge(limit: limit))
            await api.requestLog?.record(request, authenticated: nil, impersonated: nil, status: 413)
        } else {
            response = await api.handle(request, certificateUser: certificateUser)
        }
        await write(response, to: channel, version: version, keepAlive: keepAlive, auditID: auditID)
    }

    static func write(_ response: EmulatorResponse, to channel: Channel, version: HTTPVersion, keepAlive: Bool,
                              auditID: String) async {
        switch response {
        case .full(let status, let headers, let body):
            var head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: status))
            for (name, value) in headers { head.headers.add(name: name, value: value) }
            head.headers.add(name: "audit-id", value: auditID)
            head.headers.add(name: "content-length", value: String(body.count))
            head.headers.add(name: "cache-control", value: "no-cache, private")
            if !keepAlive { head.headers.add(name: "connection", value: "close") }
            var bodyBuffer = channel.allocator.buffer(capacity: body.count)
            bodyBuffer.writeBytes(body)
            let buffer = bodyBuffer
            let responseHead = head
            // One hop to the event loop for the whole response (each write from outside it would be one).
            channel.eventLoop.execute {
                channel.write(HTTPServerResponsePart.head(responseHead), promise: nil)
                channel.write(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil)
                let done = channel.writeAndFlush(HTTPServerResponsePart.end(nil)) as EventLoopFuture<Void>
                if !keepAlive { done.whenComplete { _ in channel.close(promise: nil) } }
            }
        case .stream(let status, let headers, let produce):
            var head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: status))
            for (name, value) in headers { head.headers.add(name: name, value: value) }
            head.headers.add(name: "audit-id", value: auditID)
            head.headers.add(name: "cache-control", value: "no-cache, private")
            if version.major == 1 { head.headers.add(name: "transfer-encoding", value: "chunked") }
            channel.writeAndFlush(HTTPServerResponsePart.head(head), promise: nil)
            let writer = ChannelBodyWriter(channel: channel)
            do {
                try await produce(writer)
                try await channel.writeAndFlush(HTTPServerResponsePart.end(nil)).get()
                if !keepAlive { try? await channel.close() }
            } catch {
                // The client went away or the producer failed mid-body: the only honest signal left is to close.
                try? await channel.close()
            }
        }
    }
}

/// Writes body chunks to a channel, each awaiting its flush so a slow reader slows the producer.
struct ChannelBodyWriter: ResponseBodyWriter {
    let channel: Channel

    func write(_ bytes: [UInt8]) async throws {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        try await channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer))).get()
    }
}
