import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing
@testable import SPDY

/// Records what the handler reports; answers every new stream like the kubelet does.
final class RecordingDelegate: SPDYSessionDelegate {
    var events: [SPDYSessionEvent] = []
    var closedWith: [String] = []
    var autoReply = true

    func spdySession(_ handler: SPDYSessionHandler, didReceive event: SPDYSessionEvent) {
        events.append(event)
        if autoReply, case .streamOpened(let stream, _, _, _, _) = event {
            try! handler.reply(stream: stream)
        }
    }

    func spdySessionDidClose(_ handler: SPDYSessionHandler, error: (any Error)?) {
        closedWith.append(error.map { "\($0)" } ?? "clean")
    }
}

@Suite struct SessionHandlerTests {
    /// Drains the server's outbound bytes into `client`, returning the client's events.
    static func pump(_ channel: EmbeddedChannel, into client: SPDYSession) throws -> [SPDYSessionEvent] {
        var events: [SPDYSessionEvent] = []
        while let bytes = try channel.readOutbound(as: ByteBuffer.self) {
            let output = client.receive(bytes)
            events += output.events
            if output.bytes.readableBytes > 0 { try channel.writeInbound(output.bytes) }
        }
        return events
    }

    @Test func servesAnExecSessionOverAChannel() throws {
        let delegate = RecordingDelegate()
        let handler = try SPDYSessionHandler(role: .server, configuration: .kubernetes, delegate: delegate)
        let channel = EmbeddedChannel(handler: handler)
        let client = try SPDYSession(role: .client, configuration: .kubernetes)

        let (stdout, opened) = try client.openStream(headers: ["streamtype": "stdout"])
        try channel.writeInbound(opened.bytes)
        #expect(delegate.events == [.streamOpened(stdout, headers: ["streamtype": "stdout"], associatedTo: nil, fin: false, unidirectional: false)])
        #expect(try Self.pump(channel, into: client) == [.streamReplied(stdout, headers: SPDYHeaderBlock(), fin: false)])

        try handler.sendData(stream: stdout, ByteBuffer(string: "hello\n"))
        try handler.finish(stream: stdout)
        #expect(try Self.pump(channel, into: client) == [
            .data(stdout, ByteBuffer(string: "hello\n"), fin: false),
            .data(stdout, ByteBuffer(), fin: true),
        ])

        // kubectl pings every 5 s; the handler echoes without the delegate's help.
        let (_, ping) = try client.ping()
        try channel.writeInbound(ping.bytes)
        #expect(try Self.pump(channel, into: client) == [.ping(id: 1, isReply: true)])

        // GOAWAY from us, then the channel closes.
        handler.close()
        let last = try Self.pump(channel, into: client)
        #expect(last == [.goAway(lastGoodStream: stdout, status: .ok)])
        #expect(!channel.isActive)
        #expect(delegate.closedWith == ["clean"])
    }

    @Test func protocolErrorSendsGoAwayAndCloses() throws {
        let delegate = RecordingDelegate()
        let channel = EmbeddedChannel(handler: try SPDYSessionHandler(role: .server, configuration: .kubernetes, delegate: delegate))
        try channel.writeInbound(ByteBuffer([0x80, 0x03, 0x00, 0x06, 0, 0, 0, 5, 0, 0, 0, 1, 0]))  // PING of 5 bytes
        let out = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(try parseAll(out.bytes) == [.goAway(.init(lastGoodStream: 0, status: .protocolError))])
        #expect(!channel.isActive)
        #expect(delegate.closedWith.count == 1)
        #expect(delegate.closedWith.first?.contains("PING payload must be 4 bytes") == true)
    }

    @Test func peerHangUpIsACleanClose() throws {
        let delegate = RecordingDelegate()
        let channel = EmbeddedChannel(handler: try SPDYSessionHandler(role: .server, configuration: .kubernetes, delegate: delegate))
        _ = try channel.finish()
        #expect(delegate.closedWith == ["clean"])
    }

    @Test func portForwardTunnelledInWebSocketMessages() throws {
        let delegate = RecordingDelegate()
        let handler = try SPDYSessionHandler(role: .server, configuration: .kubernetes, delegate: delegate)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([WebSocketSPDYBridge(), handler])
        let client = try SPDYSession(role: .client, configuration: .kubernetes)

        // kubectl's error + data streams for one forwarded connection, then 5 bytes of data.
        var wire = ByteBuffer()
        var streams: [SPDYStreamID] = []
        for type in ["error", "data"] {
            let (stream, output) = try client.openStream(headers: ["streamtype": type, "port": "80", "requestid": "0"])
            streams.append(stream)
            wire.writeImmutableBuffer(output.bytes)
        }
        wire.writeImmutableBuffer(try client.sendData(stream: streams[1], ByteBuffer(string: "GET /")).bytes)
        // Chop into masked client messages of 4, 2, 1, 7, ... bytes (field-by-field writes).
        let sizes = [4, 2, 1, 7, 3, 11, 5]
        var index = 0
        let key: WebSocketMaskingKey = [0x12, 0x34, 0x56, 0x78]
        while wire.readableBytes > 0 {
            var piece = wire.readSlice(length: min(sizes[index % sizes.count], wire.readableBytes))!
            index += 1
            piece.webSocketMask(key)
            try channel.writeInbound(WebSocketFrame(fin: true, opcode: .binary, maskKey: key, data: piece))
        }
        #expect(delegate.events.count == 3)
        #expect(delegate.events.last == .data(streams[1], ByteBuffer(string: "GET /"), fin: false))

        // Replies come back as unmasked binary messages carrying SPDY frames.
        var replies: [SPDYSessionEvent] = []
        while let frame = try channel.readOutbound(as: WebSocketFrame.self) {
            #expect(frame.opcode == .binary)
            #expect(frame.maskKey == nil)
            replies += client.receive(frame.data).events
        }
        #expect(replies == streams.map { .streamReplied($0, headers: SPDYHeaderBlock(), fin: false) })

        // A WebSocket ping is answered by the bridge, not the SPDY session.
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer(string: "p")))
        let pong = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(pong.opcode == .pong)
    }
}
