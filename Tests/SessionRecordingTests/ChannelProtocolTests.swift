import Testing
@testable import SessionRecording

/// `channel.k8s.io` over WebSocket, through `SessionTap`, from hand-built frames.
@Suite struct ChannelProtocolTests {
    let v5 = SessionTransport.webSocket(subprotocol: "v5.channel.k8s.io")
    let v4 = SessionTransport.webSocket(subprotocol: "v4.channel.k8s.io")

    func client(_ channel: UInt8, _ text: String) -> [UInt8] {
        webSocketFrame(opcode: 2, [channel] + Array(text.utf8), mask: 0x1234_5678)
    }

    func server(_ channel: UInt8, _ text: String) -> [UInt8] {
        webSocketFrame(opcode: 2, [channel] + Array(text.utf8))
    }

    @Test func channelsBecomeStreams() {
        var tap = SessionTap(transport: v5)
        #expect(tap.fromClient(client(0, "ls\n") + client(4, #"{"Width":80,"Height":24}"#), at: 10) == [
            SessionFrame(offset: 10, stream: .stdin, bytes: Array("ls\n".utf8), direction: .fromClient),
            SessionFrame(offset: 10, stream: .resize, bytes: Array(#"{"Width":80,"Height":24}"#.utf8), direction: .fromClient),
        ])
        #expect(tap.fromCluster(server(1, "a") + server(2, "b") + server(3, #"{"status":"Success"}"#), at: 20) == [
            SessionFrame(offset: 20, stream: .stdout, bytes: [0x61], direction: .fromCluster),
            SessionFrame(offset: 20, stream: .stderr, bytes: [0x62], direction: .fromCluster),
            SessionFrame(offset: 20, stream: .error, bytes: Array(#"{"status":"Success"}"#.utf8), direction: .fromCluster),
        ])
        #expect(tap.exit == RemoteCommandExit(code: 0, message: nil))
        #expect(tap.failure == nil)
    }

    @Test func closeSignalIsV5Only() {
        var tap = SessionTap(transport: v5)
        #expect(tap.fromClient(webSocketFrame(opcode: 2, [255, 0], mask: 9), at: 1) == [
            SessionFrame(offset: 1, stream: .close, bytes: [0], direction: .fromClient)
        ])
        var old = SessionTap(transport: v4)
        #expect(old.fromClient(webSocketFrame(opcode: 2, [255, 0], mask: 9), at: 1) == [])
        #expect(old.failure == nil)
    }

    @Test func fragmentedMessagesKeepTheirChannel() {
        var tap = SessionTap(transport: v5)
        // The channel byte alone in an empty-then-one-byte first fragment, a ping in between.
        let bytes = webSocketFrame(opcode: 2, [], fin: false) + webSocketFrame(opcode: 0, [1], fin: false)
            + webSocketFrame(opcode: 9, [])
            + webSocketFrame(opcode: 0, Array("out".utf8), fin: false) + webSocketFrame(opcode: 0, Array("put".utf8))
        let frames = tap.fromCluster(bytes, at: 5)
        #expect(frames.text(of: .stdout) == "output")
        // A resize split over fragments comes out whole.
        let resize = Array(#"{"Width":1,"Height":2}"#.utf8)
        let split = webSocketFrame(opcode: 2, [4] + resize[..<7], fin: false, mask: 3) + webSocketFrame(opcode: 0, Array(resize[7...]), mask: 4)
        #expect(tap.fromClient(split, at: 6) == [SessionFrame(offset: 6, stream: .resize, bytes: resize, direction: .fromClient)])
    }

    @Test func emptyAndUnknownChannelsAreSkipped() {
        var tap = SessionTap(transport: v5)
        // The emulator (like old apiservers) opens each channel with an empty message.
        #expect(tap.fromCluster(server(1, "") + server(2, "") + server(9, "ignored") + webSocketFrame(opcode: 2, []), at: 0) == [])
        #expect(tap.fromCluster(server(1, "after"), at: 1).text(of: .stdout) == "after")
        #expect(tap.failure == nil)
    }

    @Test func textMessagesAreReadAsTheKubeletReadsThem() {
        // The kubelet takes a text message's bytes as they are, channel byte first (the Python
        // client sends stdin so); a base64-looking one names channel 48, which does not exist.
        var tap = SessionTap(transport: v4)
        #expect(tap.fromClient(webSocketFrame(opcode: 1, [0] + Array("typed".utf8), mask: 1), at: 0).text(of: .stdin) == "typed")
        #expect(tap.fromClient(webSocketFrame(opcode: 1, Array("0aGk=".utf8), mask: 1), at: 1) == [])
        #expect(tap.failure == nil)
        #expect(tap.fromClient(client(0, "x"), at: 2).text(of: .stdin) == "x")
    }

    @Test func oversizedControlChannelMessagesStopTheParse() {
        var tap = SessionTap(transport: v5)
        let huge = [UInt8](repeating: 0x20, count: (1 << 20) + 1)
        #expect(tap.fromCluster(webSocketFrame(opcode: 2, [3] + huge), at: 0) == [])
        #expect(tap.failure == "WebSocket from the cluster: error message longer than 1048576 bytes")
    }

    @Test func framesBeforeAFailureAreKept() {
        var tap = SessionTap(transport: v5)
        let frames = tap.fromClient(client(0, "kept") + [0x83, 0x00] + client(0, "lost"), at: 0)
        #expect(frames.text(of: .stdin) == "kept")
        #expect(tap.failure == "WebSocket from the client: unknown opcode 3")
    }

    @Test func unparsedSubprotocolsFailAtOnce() {
        for subprotocol in ["base64.channel.k8s.io", "v4.base64.channel.k8s.io", "portforward.k8s.io", "v0.channel.k8s.io", "chat"] {
            let tap = SessionTap(transport: .webSocket(subprotocol: subprotocol))
            #expect(tap.failure == "WebSocket subprotocol \"\(subprotocol)\" is not parsed")
        }
        for subprotocol in ["channel.k8s.io", "v2.channel.k8s.io", "v3.channel.k8s.io", "v4.channel.k8s.io", "v5.channel.k8s.io"] {
            #expect(SessionTap(transport: .webSocket(subprotocol: subprotocol)).failure == nil)
        }
    }
}
