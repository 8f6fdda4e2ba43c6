import KubeAPI
import Replay
import SessionRecording
import Testing

@Suite struct SessionRendererTests {
    let session = SessionSummary(id: "s1", user: "alice", cluster: "emu", namespace: "default", pod: "web", command: "sh",
                                 protocolName: "websocket/v5.channel.k8s.io", startedAt: 1_800_000_000, width: 100, height: 30,
                                 exitCode: "5", endedBy: "exited")
    let frames = [
        SessionFrame(offset: 1_000, stream: .resize, bytes: Array(#"{"Width":100,"Height":30}"#.utf8), direction: .fromClient),
        SessionFrame(offset: 250_000, stream: .stdin, bytes: Array("ls\r".utf8), direction: .fromClient),
        SessionFrame(offset: 260_000, stream: .stdout, bytes: Array("ls\r\nfile \"a\"\r\n".utf8), direction: .fromCluster),
        SessionFrame(offset: 2_500_000, stream: .stdin, bytes: [0x03], direction: .fromClient),
    ]

    @Test func theTranscriptMarksWhatWasTyped() {
        var renderer = TranscriptRenderer()
        let text = renderer.begin(session) + frames.map { renderer.render($0) }.joined() + renderer.end(session)
        #expect(text.contains("# session s1: alice on emu, pod default/web"))
        #expect(text.contains("«resize 100x30»«ls⏎»ls\r\nfile \"a\"\r\n«^C»"))
        #expect(text.hasSuffix("# ended: exited, exit code 5\n"))
    }

    @Test func asciicastIsAHeaderThenTimedEvents() throws {
        var renderer = AsciicastRenderer()
        let lines = (renderer.begin(session) + frames.map { renderer.render($0) }.joined()).split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "the resize is in the header, not an event")
        let header = try JSONParser.parse(lines[0])
        #expect(header["version"] == 2)
        #expect(header["width"] == 100)
        #expect(header["height"] == 30)
        #expect(header["timestamp"] == 1_800_000_000)
        let output = try JSONParser.parse(lines[2])
        #expect(output == .array([.double(0.26), "o", "ls\r\nfile \"a\"\r\n"]))
        #expect(try JSONParser.parse(lines[1]) == .array([.double(0.25), "i", "ls\r"]))
        #expect(try JSONParser.parse(lines[3]) == .array([.double(2.5), "i", "\u{03}"]))
    }

    @Test func asciicastMarksATerminalResizedLater() throws {
        var renderer = AsciicastRenderer()
        let later = frames + [SessionFrame(offset: 3_000_000, stream: .resize, bytes: Array(#"{"Width":120,"Height":40}"#.utf8), direction: .fromClient)]
        let lines = (renderer.begin(session) + later.map { renderer.render($0) }.joined()).split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        #expect(try JSONParser.parse(lines[4]) == .array([.double(3), "r", "120x40"]))
    }
}
