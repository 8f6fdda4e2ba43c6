import KubetrailTestSupport
import NIOCore
import Testing
@testable import SessionRecording

/// Real kubectl 1.32 sessions against the emulator, captured by tools/capture-session-streams:
/// what the tap makes of them, whole and cut at every other boundary.
@Suite struct CapturedSessionTests {
    static let names = [
        "websocket-exec-stdin", "spdy-exec-stdin", "websocket-exec-tty", "spdy-exec-tty",
        "websocket-portforward", "spdy-portforward",
    ]

    func frames(_ name: String, recordStdin: Bool = true) throws -> [SessionFrame] {
        let session = try CapturedSession(named: name)
        let (frames, tap) = tapAll(session.chunks, transport: try #require(session.transport), recordStdin: recordStdin)
        #expect(tap.failure == nil)
        return frames
    }

    @Test func negotiatedTransports() throws {
        #expect(try CapturedSession(named: "websocket-exec-stdin").transport == .webSocket(subprotocol: "v5.channel.k8s.io"))
        #expect(try CapturedSession(named: "spdy-exec-stdin").transport == .spdy(protocolVersion: "v4.channel.k8s.io"))
        #expect(try CapturedSession(named: "websocket-portforward").transport == .webSocket(subprotocol: "SPDY/3.1+portforward.k8s.io"))
        #expect(try CapturedSession(named: "spdy-portforward").transport == .spdy(protocolVersion: "portforward.k8s.io"))
    }

    @Test(arguments: ["websocket-exec-stdin", "spdy-exec-stdin"])
    func pipedStdinAndExitCode(_ name: String) throws {
        let frames = try frames(name)
        #expect(frames.text(of: .stdin, from: .fromClient) == "hello\nworld\n")
        #expect(frames.text(of: .stdout, from: .fromCluster) == "hello\nworld\n")
        #expect(frames.text(of: .stderr, from: .fromCluster) == "to-stderr\n")
        // kubectl closes stdin at its end: v5's close signal, or a FIN on the stdin stream.
        #expect(frames.contains { $0.stream == .close && $0.direction == .fromClient && $0.bytes == [0] })
        let exit = RemoteCommandExit.parse(frames.bytes(of: .error, from: .fromCluster))
        #expect(exit?.code == 3)
        #expect(exit?.message == "command terminated with non-zero exit code: command terminated with exit code 3")
        #expect(frames.allSatisfy { $0.stream.usualWriter == nil || $0.stream.usualWriter == $0.direction })
        // Offsets come from the capture and never go backwards.
        #expect(frames.map(\.offset) == frames.map(\.offset).sorted())
    }

    @Test(arguments: ["websocket-exec-tty", "spdy-exec-tty"])
    func terminalSession(_ name: String) throws {
        let frames = try frames(name)
        #expect(frames.text(of: .stdin) == "echo typed $((6*7))\rstty size\rexit 5\r")
        let screen = frames.text(of: .stdout)
        #expect(screen.contains("echo typed $((6*7))\r\ntyped 42\r\n"))
        #expect(screen.contains("stty size\r\n30 100\r\n"))
        #expect(frames.bytes(of: .stderr).isEmpty)  // a tty has no separate stderr
        let sizes = frames.filter { $0.stream == .resize }.map { TerminalResize.parse($0.bytes) }
        #expect(sizes == [TerminalResize(width: 80, height: 24), TerminalResize(width: 100, height: 30)])
        #expect(RemoteCommandExit.parse(frames.bytes(of: .error))?.code == 5)
        // The resize reached the pod before `stty size` was typed.
        let resized = try #require(frames.last { $0.stream == .resize }?.offset)
        let typed = try #require(frames.first { $0.stream == .stdin && $0.bytes.starts(with: Array("stty".utf8)) }?.offset)
        #expect(resized < typed)
    }

    @Test(arguments: ["websocket-portforward", "spdy-portforward"])
    func portForward(_ name: String) throws {
        let frames = try frames(name)
        #expect(frames.allSatisfy { $0.port == 8080 })
        #expect(frames.text(of: .portForwardData, from: .fromClient) == "GET /through-the-tunnel HTTP/1.0\r\nHost: web\r\n\r\n")
        let answer = frames.text(of: .portForwardData, from: .fromCluster)
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(answer.hasSuffix("hello from pod web port 8080: GET /through-the-tunnel\n"))
        #expect(frames.bytes(of: .portForwardError).isEmpty)
    }

    @Test(arguments: names)
    func sameFramesHoweverTheBytesAreSplit(_ name: String) throws {
        let session = try CapturedSession(named: name)
        let transport = try #require(session.transport)
        let whole = tapAll(session.chunks, transport: transport).frames.coalesced
        #expect(!whole.isEmpty)
        let byteAtATime = tapAll(session.chunks(splitInto: 1), transport: transport)
        #expect(byteAtATime.tap.failure == nil)
        #expect(byteAtATime.frames.coalesced == whole)
        for seed in 1...5 as ClosedRange<UInt64> {
            var generator = SplitMix64(seed: seed)
            let random = tapAll(session.chunks(randomlySplitWith: &generator), transport: transport)
            #expect(random.tap.failure == nil)
            #expect(random.frames.coalesced == whole, "seed \(seed)")
        }
    }

    @Test(arguments: names)
    func byteBuffersGiveTheSameFrames(_ name: String) throws {
        let session = try CapturedSession(named: name)
        let transport = try #require(session.transport)
        var tap = SessionTap(transport: transport)
        var frames: [SessionFrame] = []
        for chunk in session.chunks {
            let buffer = ByteBuffer(bytes: chunk.bytes)
            frames += chunk.direction == .fromClient ? tap.fromClient(buffer, at: chunk.offset) : tap.fromCluster(buffer, at: chunk.offset)
        }
        #expect(frames == tapAll(session.chunks, transport: transport).frames)
    }

    @Test(arguments: ["websocket-exec-stdin", "spdy-exec-stdin", "spdy-exec-tty"])
    func stdinCanBeLeftOut(_ name: String) throws {
        let with = try frames(name)
        let without = try frames(name, recordStdin: false)
        #expect(without.bytes(of: .stdin).isEmpty)
        #expect(without == with.filter { $0.stream != .stdin })
    }

    @Test func theTapReportsTheExit() throws {
        for (name, code) in [("websocket-exec-stdin", 3), ("spdy-exec-tty", 5)] as [(String, Int32)] {
            let session = try CapturedSession(named: name)
            let (_, tap) = tapAll(session.chunks(splitInto: 7), transport: try #require(session.transport))
            #expect(tap.exit?.code == code)
        }
        let session = try CapturedSession(named: "spdy-portforward")
        #expect(tapAll(session.chunks, transport: try #require(session.transport)).tap.exit == nil)
    }

    /// A copy taken mid-session owns its own SPDY state (zlib stream included): both go on
    /// to parse the rest alike, and neither disturbs the other.
    @Test(arguments: ["spdy-exec-tty", "websocket-portforward"])
    func copiesAreIndependent(_ name: String) throws {
        let session = try CapturedSession(named: name)
        let transport = try #require(session.transport)
        let chunks = session.chunks(splitInto: 5)
        let half = chunks.count / 2
        var original = SessionTap(transport: transport)
        var before: [SessionFrame] = []
        for chunk in chunks[..<half] {
            before += chunk.direction == .fromClient ? original.fromClient(chunk.bytes, at: chunk.offset) : original.fromCluster(chunk.bytes, at: chunk.offset)
        }
        var copy = original
        var afterOriginal: [SessionFrame] = []
        var afterCopy: [SessionFrame] = []
        for chunk in chunks[half...] {
            afterOriginal += chunk.direction == .fromClient ? original.fromClient(chunk.bytes, at: chunk.offset) : original.fromCluster(chunk.bytes, at: chunk.offset)
        }
        for chunk in chunks[half...] {
            afterCopy += chunk.direction == .fromClient ? copy.fromClient(chunk.bytes, at: chunk.offset) : copy.fromCluster(chunk.bytes, at: chunk.offset)
        }
        #expect(original.failure == nil && copy.failure == nil)
        #expect(afterCopy == afterOriginal)
        #expect((before + afterOriginal).coalesced == tapAll(session.chunks, transport: transport).frames.coalesced)
    }
}
