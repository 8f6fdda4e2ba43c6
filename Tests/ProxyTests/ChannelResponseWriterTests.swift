import NIOCore
import NIOEmbedded
import NIOHTTP1
@testable import Proxy
import Testing

/// A bounded answer reaches the channel in as few batches as it can (its head and newest chunk
/// wait for the next part); a stream's parts go out as they come.
@Suite struct ChannelResponseWriterTests {
    func channel() async throws -> NIOAsyncTestingChannel {
        let channel = NIOAsyncTestingChannel()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6443))
        return channel
    }

    /// What the channel was given so far, as short names: head, body(n), end.
    func written(_ channel: NIOAsyncTestingChannel) async throws -> [String] {
        await channel.testingEventLoop.run()
        var parts: [String] = []
        while let part = try await channel.readOutbound(as: HTTPServerResponsePart.self) {
            switch part {
            case .head(let head): parts.append("head \(head.status.code)")
            case .body(.byteBuffer(let buffer)): parts.append("body(\(buffer.readableBytes))")
            case .body: parts.append("body(file)")
            case .end: parts.append("end")
            }
        }
        return parts
    }

    @Test func aSmallAnswerGoesOutWhole() async throws {
        let channel = try await channel()
        let writer = ChannelResponseWriter(channel: channel, version: .http1_1, keepAlive: true)
        try await writer.head(status: 200, headers: [("content-length", "3")], streams: false)
        #expect(try await written(channel) == [])
        try await writer.body(ByteBuffer(string: "abc"))
        #expect(try await written(channel) == [])
        try await writer.end()
        #expect(try await written(channel) == ["head 200", "body(3)", "end"])
    }

    @Test func aLongerAnswerKeepsOnlyItsNewestChunk() async throws {
        let channel = try await channel()
        let writer = ChannelResponseWriter(channel: channel, version: .http1_1, keepAlive: true)
        try await writer.head(status: 200, headers: [], streams: false)
        try await writer.body(ByteBuffer(repeating: 1, count: 10))
        try await writer.body(ByteBuffer(repeating: 2, count: 20))
        #expect(try await written(channel) == ["head 200", "body(10)"])
        try await writer.body(ByteBuffer(repeating: 3, count: 30))
        #expect(try await written(channel) == ["body(20)"])
        try await writer.end()
        #expect(try await written(channel) == ["body(30)", "end"])
    }

    @Test func aStreamWritesEachPartAtOnce() async throws {
        let channel = try await channel()
        let writer = ChannelResponseWriter(channel: channel, version: .http1_1, keepAlive: true)
        try await writer.head(status: 200, headers: [], streams: true)
        #expect(try await written(channel) == ["head 200"], "a watch shows its head before its first event")
        try await writer.body(ByteBuffer(string: "{\"type\":\"ADDED\"}\n"))
        #expect(try await written(channel) == ["body(17)"])
        try await writer.end()
        #expect(try await written(channel) == ["end"])
    }

    @Test func aRefusalIsOneBatch() async throws {
        let channel = try await channel()
        let writer = ChannelResponseWriter(channel: channel, version: .http1_1, keepAlive: true)
        await writer.status(.unauthorized(), auditID: .init())
        let parts = try await written(channel)
        #expect(parts.count == 3 && parts.first == "head 401" && parts.last == "end")
    }
}
