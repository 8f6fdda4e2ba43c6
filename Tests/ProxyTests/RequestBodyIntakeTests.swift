import NIOCore
import NIOEmbedded
import NIOHTTP1
@testable import Proxy
import Testing

/// Counts the reads that reach the channel, so a test can see when the intake holds them.
final class ReadCounter: ChannelOutboundHandler, @unchecked Sendable {
    typealias OutboundIn = Never
    var reads = 0
    func read(context: ChannelHandlerContext) {
        reads += 1
        context.read()
    }
}

@Suite struct RequestBodyIntakeTests {
    let counter = ReadCounter()

    func channel() async throws -> NIOAsyncTestingChannel {
        let channel = NIOAsyncTestingChannel()
        try await channel.pipeline.addHandler(counter)
        try await channel.pipeline.addHandler(RequestBodyIntake())
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6443))
        return channel
    }

    func head(_ method: HTTPMethod = .PUT, length: Int? = nil) -> HTTPServerRequestPart {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: "/clusters/c/api/v1/namespaces/default/configmaps/x")
        if let length { head.headers.add(name: "content-length", value: String(length)) }
        return .head(head)
    }

    func chunk(_ byte: UInt8, _ count: Int = 1024) -> HTTPServerRequestPart {
        .body(ByteBuffer(repeating: byte, count: count))
    }

    func reads(after channel: NIOAsyncTestingChannel) async -> Int {
        let before = counter.reads
        channel.read()
        await channel.testingEventLoop.run()
        return counter.reads - before
    }

    @Test func aRequestWithoutBodyIsPassedOnAtItsEnd() async throws {
        let channel = try await channel()
        try await channel.writeInbound(head(.GET))
        #expect(try await channel.readInbound(as: ProxyRequest.self) == nil)
        try await channel.writeInbound(HTTPServerRequestPart.end(nil))
        let request = try #require(try await channel.readInbound(as: ProxyRequest.self))
        #expect(request.head.method == .GET)
        #expect(request.body.isEmpty)
        let bytes = try await request.body.collect(upTo: 10)
        #expect(bytes.isEmpty)
    }

    @Test func aBodyIsHandedOnAsItArrivesAndReadsStopWhileItWaitsUnread() async throws {
        let channel = try await channel()
        try await channel.writeInbound(head(length: 20 * 1024))
        try await channel.writeInbound(chunk(0))
        let request = try #require(try await channel.readInbound(as: ProxyRequest.self))
        #expect(request.body.declaredLength == 20 * 1024)
        #expect(!request.body.isEmpty)
        // Below the high watermark the client is read from; past it, no more.
        for byte in 1..<8 { try await channel.writeInbound(chunk(UInt8(byte))) }
        #expect(await reads(after: channel) == 0)
        #expect(await reads(after: channel) == 0)

        // The exchange reads: demand returns, the held read goes out, the rest arrives.
        let held = counter.reads
        let collecting = Task { try await request.body.collect(upTo: 1 << 20) }
        var resumed = 0
        for _ in 0..<200 where resumed == 0 {
            await channel.testingEventLoop.run()
            resumed = counter.reads - held
            if resumed == 0 { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(resumed >= 1)
        for byte in 8..<20 { try await channel.writeInbound(chunk(UInt8(byte))) }
        try await channel.writeInbound(HTTPServerRequestPart.end(nil))
        let bytes = try await collecting.value
        #expect(bytes.count == 20 * 1024)
        #expect(bytes == (0..<20).flatMap { [UInt8](repeating: UInt8($0), count: 1024) })
        #expect(request.body.receivedBytes == 20 * 1024)
    }

    @Test func aDeclaredLengthPastTheLimitIsRefusedWithoutReading() async throws {
        let channel = try await channel()
        try await channel.writeInbound(head(.POST, length: 10_000))
        try await channel.writeInbound(chunk(1, 100))
        let request = try #require(try await channel.readInbound(as: ProxyRequest.self))
        await #expect(throws: RequestBodyError.tooLarge(limit: 4096)) { try await request.body.collect(upTo: 4096) }
        #expect(request.body.receivedBytes == 0)
    }

    @Test func aBodyPastTheLimitIsRefusedAtTheLimit() async throws {
        let channel = try await channel()
        try await channel.writeInbound(head(.POST))
        for _ in 0..<5 { try await channel.writeInbound(chunk(1)) }
        let request = try #require(try await channel.readInbound(as: ProxyRequest.self))
        await #expect(throws: RequestBodyError.tooLarge(limit: 4096)) { try await request.body.collect(upTo: 4096) }
        #expect(request.body.receivedBytes == 4096)
    }

    @Test func aBodyNobodyReadsIsDroppedAndTheNextRequestFollows() async throws {
        let channel = try await channel()
        try await channel.writeInbound(head())
        for byte in 0..<10 { try await channel.writeInbound(chunk(UInt8(byte))) }
        var request: ProxyRequest? = try await channel.readInbound(as: ProxyRequest.self)
        #expect(request != nil)
        #expect(await reads(after: channel) == 0)
        // The exchange answered without the body and let it go: reads resume, the rest is dropped.
        let held = counter.reads
        request = nil
        await channel.testingEventLoop.run()
        #expect(counter.reads - held == 1)
        for byte in 10..<20 { try await channel.writeInbound(chunk(UInt8(byte))) }
        try await channel.writeInbound(HTTPServerRequestPart.end(nil))
        #expect(await reads(after: channel) == 1)
        try await channel.writeInbound(head(.GET))
        try await channel.writeInbound(HTTPServerRequestPart.end(nil))
        let next = try #require(try await channel.readInbound(as: ProxyRequest.self))
        #expect(next.head.method == .GET)
        #expect(next.body.isEmpty)
    }

    @Test func aClientThatLeavesMidBodyEndsTheBodyWithAnError() async throws {
        let channel = try await channel()
        try await channel.writeInbound(head(length: 4096))
        try await channel.writeInbound(chunk(7))
        let request = try #require(try await channel.readInbound(as: ProxyRequest.self))
        try await channel.close()
        await #expect(throws: RequestBodyError.clientClosed) { try await request.body.collect(upTo: 1 << 20) }
    }
}
