import KubetrailTestSupport
import NIOCore
import SPDY
import Testing
@testable import SessionRecording

/// SPDY sessions through `SessionTap`, built with the SPDY module's own serializer (one header
/// compressor per direction, as the peers have).
@Suite struct SPDYTapTests {
    let exec = SessionTransport.spdy(protocolVersion: "v4.channel.k8s.io")
    let portForward = SessionTransport.spdy(protocolVersion: "portforward.k8s.io")

    @Test func streamsAreKnownByTheirStreamType() throws {
        let client = try SPDYWriter()
        let cluster = try SPDYWriter()
        var tap = SessionTap(transport: exec)
        let opening = try client.bytes([
            SPDYWriter.syn(1, [("streamType", "error")]), SPDYWriter.syn(3, [("streamType", "stdin")]),
            SPDYWriter.syn(5, [("streamType", "stdout")]), SPDYWriter.syn(7, [("streamType", "stderr")]),
            SPDYWriter.syn(9, [("streamType", "resize")]), SPDYWriter.syn(11, [("streamType", "sideband")]),
        ])
        #expect(tap.fromClient(opening, at: 0) == [])
        let replies = try cluster.bytes([1, 3, 5, 7, 9, 11].map { .synReply(.init(stream: SPDYStreamID($0))) })
        #expect(tap.fromCluster(replies, at: 1) == [])
        let typed = try client.bytes([SPDYWriter.data(3, "id\n"), SPDYWriter.data(9, #"{"Width":1,"Height":2}"#), SPDYWriter.data(11, "unknown type: not recorded")])
        #expect(tap.fromClient(typed, at: 2) == [
            SessionFrame(offset: 2, stream: .stdin, bytes: Array("id\n".utf8), direction: .fromClient),
            SessionFrame(offset: 2, stream: .resize, bytes: Array(#"{"Width":1,"Height":2}"#.utf8), direction: .fromClient),
        ])
        let output = try cluster.bytes([
            SPDYWriter.data(5, "uid=0\n"), SPDYWriter.data(7, "warning\n"), SPDYWriter.data(13, "never opened"),
            .ping(.init(id: 2)), .windowUpdate(.init(stream: 3, delta: 100)),
        ])
        #expect(tap.fromCluster(output, at: 3) == [
            SessionFrame(offset: 3, stream: .stdout, bytes: Array("uid=0\n".utf8), direction: .fromCluster),
            SessionFrame(offset: 3, stream: .stderr, bytes: Array("warning\n".utf8), direction: .fromCluster),
        ])
        #expect(tap.failure == nil)
    }

    @Test func finsFromTheWriterAreCloses() throws {
        let client = try SPDYWriter()
        let cluster = try SPDYWriter()
        var tap = SessionTap(transport: exec)
        _ = tap.fromClient(try client.bytes([SPDYWriter.syn(1, [("streamtype", "stdin")]), SPDYWriter.syn(3, [("streamtype", "stdout")])]), at: 0)
        // The client ends stdin (a close), and ends its unused side of stdout (not a close).
        let frames = tap.fromClient(try client.bytes([SPDYWriter.data(1, "", fin: true), SPDYWriter.data(3, "", fin: true)]), at: 1)
        #expect(frames == [SessionFrame(offset: 1, stream: .close, bytes: [0], direction: .fromClient)])
        // The cluster ends stdout in its reply: a close; a second FIN changes nothing.
        #expect(tap.fromCluster(try cluster.bytes([.synReply(.init(stream: 3, fin: true))]), at: 2) == [
            SessionFrame(offset: 2, stream: .close, bytes: [1], direction: .fromCluster)
        ])
        // Both sides finished stream 3: it is forgotten, later data is not attributed.
        #expect(tap.fromCluster(try cluster.bytes([SPDYWriter.data(3, "late")]), at: 3) == [])
    }

    @Test func resetStreamsAreForgotten() throws {
        let client = try SPDYWriter()
        var tap = SessionTap(transport: exec)
        let bytes = try client.bytes([
            SPDYWriter.syn(1, [("streamtype", "stdin")]), SPDYWriter.data(1, "a"),
            .rstStream(.init(stream: 1, status: .cancel)), SPDYWriter.data(1, "b"),
        ])
        #expect(tap.fromClient(bytes, at: 0).text(of: .stdin) == "a")
    }

    @Test func portForwardStreamsCarryTheirPort() throws {
        let client = try SPDYWriter()
        let cluster = try SPDYWriter()
        var tap = SessionTap(transport: portForward)
        let opening = try client.bytes([
            SPDYWriter.syn(1, [("streamtype", "error"), ("port", "5432"), ("requestid", "0")]),
            SPDYWriter.syn(3, [("streamtype", "data"), ("port", "5432"), ("requestid", "0")]),
            SPDYWriter.syn(5, [("streamtype", "data"), ("port", "80"), ("requestid", "1")]),
            SPDYWriter.data(3, "query"), SPDYWriter.data(5, "GET /"),
        ])
        #expect(tap.fromClient(opening, at: 0) == [
            SessionFrame(offset: 0, stream: .portForwardData, port: 5432, bytes: Array("query".utf8), direction: .fromClient),
            SessionFrame(offset: 0, stream: .portForwardData, port: 80, bytes: Array("GET /".utf8), direction: .fromClient),
        ])
        let answers = try cluster.bytes([
            SPDYWriter.data(3, "rows", fin: true), SPDYWriter.data(1, "connection refused", fin: true),
        ])
        // No close frames for port-forward: the data stream's FIN is just the end of a connection.
        #expect(tap.fromCluster(answers, at: 9) == [
            SessionFrame(offset: 9, stream: .portForwardData, port: 5432, bytes: Array("rows".utf8), direction: .fromCluster),
            SessionFrame(offset: 9, stream: .portForwardError, port: 5432, bytes: Array("connection refused".utf8), direction: .fromCluster),
        ])
    }

    @Test func tunnelledSPDYIgnoresMessageBoundaries() throws {
        let client = try SPDYWriter()
        let spdy = try client.bytes([SPDYWriter.syn(1, [("streamtype", "data"), ("port", "8080")]), SPDYWriter.data(1, "hello")])
        // Cut mid-frame across three binary messages, with a ping between them.
        let wire = webSocketFrame(opcode: 2, Array(spdy[..<5]), mask: 1) + webSocketFrame(opcode: 9, [], mask: 2)
            + webSocketFrame(opcode: 2, Array(spdy[5..<(spdy.count - 2)]), mask: 3) + webSocketFrame(opcode: 2, Array(spdy[(spdy.count - 2)...]), mask: 4)
        var tap = SessionTap(transport: .webSocket(subprotocol: "SPDY/3.1+portforward.k8s.io"))
        #expect(tap.fromClient(wire, at: 7) == [SessionFrame(offset: 7, stream: .portForwardData, port: 8080, bytes: Array("hello".utf8), direction: .fromClient)])
        var text = SessionTap(transport: .webSocket(subprotocol: "SPDY/3.1+portforward.k8s.io"))
        #expect(text.fromClient(webSocketFrame(opcode: 1, [0x80], mask: 1), at: 0) == [])
        #expect(text.failure == "WebSocket from the client: text message in a SPDY tunnel")
    }

    @Test func everyHeaderBlockIsInflatedInOrder() throws {
        // Many streams, each SYN_STREAM's block compressed against all earlier ones: a tap that
        // skipped one block could not read the next.
        let client = try SPDYWriter()
        var tap = SessionTap(transport: exec)
        var frames: [SessionFrame] = []
        for id in stride(from: 1 as UInt32, through: 399, by: 2) {
            let type = ["stdin", "resize", "bogus"][Int(id / 2) % 3]
            let bytes = try client.bytes([SPDYWriter.syn(id, [("streamtype", type)]), SPDYWriter.data(id, "\(id)"), .rstStream(.init(stream: SPDYStreamID(id), status: .cancel))])
            frames += tap.fromClient(bytes, at: Int64(id))
        }
        #expect(tap.failure == nil)
        #expect(frames.filter { $0.stream == .stdin }.count == 67)
        #expect(frames.filter { $0.stream == .resize }.count == 67)
    }

    @Test func hostileBytesStopTheParse() throws {
        let client = try SPDYWriter()
        // Version 2 control frame.
        var tap = SessionTap(transport: exec)
        _ = tap.fromClient([0x80, 0x02, 0x00, 0x01, 0, 0, 0, 0], at: 0)
        #expect(tap.failure?.contains("unsupported version 2") == true)
        // A header block that is not zlib.
        tap = SessionTap(transport: exec)
        _ = tap.fromClient([0x80, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0E, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xDE, 0xAD, 0xBE, 0xEF], at: 0)
        #expect(tap.failure?.contains("header compression failed") == true)
        // A stream opened twice.
        tap = SessionTap(transport: exec)
        _ = tap.fromClient(try client.bytes([SPDYWriter.syn(1, [("streamtype", "stdin")]), SPDYWriter.syn(1, [("streamtype", "stdout")])]), at: 0)
        #expect(tap.failure == "SPDY stream 1 opened twice")
        #expect(tap.fromClient(try client.bytes([SPDYWriter.data(1, "x")]), at: 1) == [])
    }

    @Test func openStreamsAreBounded() throws {
        let client = try SPDYWriter()
        var tap = SessionTap(transport: exec)
        let syns = (0..<1025).map { SPDYWriter.syn(UInt32(2 * $0 + 1), [("streamtype", "stdin")]) }
        _ = tap.fromClient(try client.bytes(syns), at: 0)
        #expect(tap.failure == "more than 1024 SPDY streams open at once")
    }

    @Test func aLargeAnnouncedFrameIsNotBufferedAhead() throws {
        // A DATA frame announcing 16 MiB - 1: accepted (SPDY's own limit), held only as it arrives.
        var tap = SessionTap(transport: exec)
        #expect(tap.fromClient([0, 0, 0, 1, 0, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 7, count: 1000), at: 0) == [])
        #expect(tap.failure == nil)
    }

    @Test func randomBytesNeverTrap() {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<1000 {
            var tap = SessionTap(transport: Bool.random(using: &generator) ? exec : portForward)
            for _ in 0..<4 {
                let bytes = (0..<Int.random(in: 0...40, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                _ = Bool.random(using: &generator) ? tap.fromClient(bytes, at: 0) : tap.fromCluster(bytes, at: 0)
            }
        }
    }
}
