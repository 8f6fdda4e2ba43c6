import Foundation
import KubeAPI
import NIOCore
import NIOHTTP1

/// Writes a response to a channel: parts are queued to the channel's event loop in order, and
/// the writer waits only once `maximumUnwritten` bytes are queued and not yet written, so a slow
/// client slows the upstream read (backpressure) and a 1 GB answer passes in constant memory.
///
/// A bounded answer (a get, a list, a refusal) keeps its head and its newest chunk back until
/// the next part comes: a small answer then reaches the channel as one batch, one hop to the
/// event loop and one flush (one HTTP/2 write, one TLS record), instead of three. A stream
/// (watch, `logs -f`, the proxy subresource) writes each part at once, so events are not held.
///
/// `@unchecked Sendable`: the state is touched only by the one task that serves the request, in
/// order; the writer is never shared between tasks.
final class ChannelResponseWriter: ResponseWriter, @unchecked Sendable {
    let channel: Channel
    let version: HTTPVersion
    let keepAlive: Bool
    static let maximumUnwritten = 256 * 1024
    let progress = ResponseProgress()
    /// Batches handed to the event loop and not yet known written, oldest first.
    private var unwritten = CircularBuffer<(written: EventLoopFuture<Void>, bytes: Int)>()
    private var unwrittenBytes = 0
    /// A bounded answer's parts not yet handed on: its head, then at most its newest chunk.
    private var held: [HTTPServerResponsePart] = []
    private var heldBytes = 0
    private var streams = true

    init(channel: Channel, version: HTTPVersion, keepAlive: Bool) {
        self.channel = channel
        self.version = version
        self.keepAlive = keepAlive
    }

    func head(status: Int, headers: [(String, String)], streams: Bool) async throws {
        var head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: status))
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if version.major == 1, !head.headers.contains(name: "content-length") {
            head.headers.replaceOrAdd(name: "transfer-encoding", value: "chunked")
        }
        progress.markStarted()
        self.streams = streams
        if streams {
            // Flushed at once: a watch or `logs -f` shows its head before its first event.
            queue([.head(head)], bytes: 0)
        } else {
            held = [.head(head)]
        }
    }

    func body(_ chunk: ByteBuffer) async throws {
        // The client went away: stop reading the upstream (a watch would otherwise run on).
        guard channel.isActive else { throw ChannelError.ioOnClosedChannel }
        let part = HTTPServerResponsePart.body(.byteBuffer(chunk))
        if streams {
            queue([part], bytes: chunk.readableBytes)
        } else {
            // The chunk before this one goes out (with the head, if it is still here); this one
            // waits, in case the end comes next.
            if heldBytes > 0 || held.count > 1 {
                queue(held, bytes: heldBytes)
                held = []
            }
            held.append(part)
            heldBytes = chunk.readableBytes
        }
        while unwrittenBytes > Self.maximumUnwritten, let oldest = unwritten.popFirst() {
            unwrittenBytes -= oldest.bytes
            try await oldest.written.get()
        }
    }

    func end() async throws {
        let written = queue(held + [.end(nil)], bytes: heldBytes)
        held = []
        heldBytes = 0
        unwritten.removeAll(keepingCapacity: true)
        unwrittenBytes = 0
        if !keepAlive {
            try? await written.get()
            try? await channel.close()
        }
    }

    /// Hands `parts` to the channel in one turn of its event loop, flushed once at the end; the
    /// future says when the last is written.
    @discardableResult
    private func queue(_ parts: [HTTPServerResponsePart], bytes: Int) -> EventLoopFuture<Void> {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        let channel = self.channel
        channel.eventLoop.execute {
            for part in parts.dropLast() { channel.write(part, promise: nil) }
            channel.writeAndFlush(parts[parts.count - 1], promise: promise)
        }
        if bytes > 0 {
            unwritten.append((promise.futureResult, bytes))
            unwrittenBytes += bytes
        }
        return promise.futureResult
    }

    func abort() async {
        try? await channel.close()
    }

    func status(_ status: KubernetesStatus, auditID: UUID) async {
        let body = status.bytes
        do {
            try await head(status: status.code, headers: [
                ("content-type", "application/json"), ("content-length", String(body.count)),
                ("audit-id", auditID.uuidString.lowercased()), ("cache-control", "no-cache, private"),
            ], streams: false)
            try await self.body(ByteBuffer(bytes: body))
            try await end()
        } catch {
            await abort()
        }
    }
}
