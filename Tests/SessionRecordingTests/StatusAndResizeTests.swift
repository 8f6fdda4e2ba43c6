import Testing
@testable import SessionRecording

@Suite struct RemoteCommandExitTests {
    func parse(_ text: String) -> RemoteCommandExit? { RemoteCommandExit.parse(Array(text.utf8)) }

    @Test func successIsZero() {
        #expect(parse(#"{"metadata":{},"status":"Success"}"#) == RemoteCommandExit(code: 0, message: nil))
    }

    @Test func nonZeroExitCodes() {
        let status = #"{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: command terminated with exit code 137","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"137"}]}}"#
        #expect(parse(status) == RemoteCommandExit(code: 137, message: "command terminated with non-zero exit code: command terminated with exit code 137"))
        // Keys match as Go's decoder matches them; other causes are skipped.
        #expect(parse(#"{"Status":"Failure","REASON":"NonZeroExitCode","details":{"causes":[{"reason":"Other","message":"9"},{"Reason":"ExitCode","Message":"2"}]}}"#)?.code == 2)
    }

    @Test func otherFailuresHaveNoCode() {
        #expect(parse(#"{"status":"Failure","message":"container not found (\"c\")","reason":"InternalError"}"#)
            == RemoteCommandExit(code: nil, message: "container not found (\"c\")"))
        // client-go accepts only 0...255 as an exit code.
        #expect(parse(#"{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"256"}]}}"#)?.code == nil)
        #expect(parse(#"{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"-1"}]}}"#)?.code == nil)
        #expect(parse(#"{"status":"Failure","reason":"NonZeroExitCode"}"#) == RemoteCommandExit(code: nil, message: nil))
    }

    @Test func notAStatus() {
        #expect(parse("error executing remote command: boom") == nil)  // v1-v3 plain text
        #expect(parse("[]") == nil)
        #expect(parse(#"{"status":7}"#) == nil)
        #expect(parse(#"{"status":"Success""#) == nil)
        #expect(parse("") == nil)
    }
}

@Suite struct TerminalResizeTests {
    func parse(_ text: String) -> TerminalResize? { TerminalResize.parse(Array(text.utf8)) }

    @Test func kubectlsForm() {
        #expect(parse("{\"Width\":80,\"Height\":24}\n") == TerminalResize(width: 80, height: 24))
        #expect(parse(#"{"width":65535,"height":0}"#) == TerminalResize(width: 65535, height: 0))
        #expect(parse(#"{"Width":120}"#) == TerminalResize(width: 120, height: 0))
        #expect(parse(#"{"Width":null,"Height":3,"Extra":true}"#) == TerminalResize(width: 0, height: 3))
    }

    @Test func refused() {
        for text in [#"{"Width":-1,"Height":1}"#, #"{"Width":65536,"Height":1}"#, #"{"Width":80.5,"Height":1}"#,
                     #"{"Width":"80","Height":1}"#, "[80,24]", "{\"Width\":80", "", "{\"Width\":80,\"Height\":24}{\"Width\":1}"] {
            #expect(parse(text) == nil, "\(text)")
        }
    }
}

@Suite struct SessionTransportTests {
    @Test func fromTheAnswer() {
        #expect(SessionTransport.negotiated(responseHeaders: [
            ("Sec-WebSocket-Protocol", "v5.channel.k8s.io"), ("Upgrade", "websocket"), ("Connection", "upgrade"),
        ]) == .webSocket(subprotocol: "v5.channel.k8s.io"))
        #expect(SessionTransport.negotiated(responseHeaders: [("upgrade", "WebSocket"), ("sec-websocket-protocol", " v4.channel.k8s.io ")])
            == .webSocket(subprotocol: "v4.channel.k8s.io"))
        #expect(SessionTransport.negotiated(responseHeaders: [("Upgrade", "SPDY/3.1"), ("X-Stream-Protocol-Version", "portforward.k8s.io")])
            == .spdy(protocolVersion: "portforward.k8s.io"))
        #expect(SessionTransport.negotiated(responseHeaders: [("upgrade", "spdy/3.1")]) == .spdy(protocolVersion: ""))
    }

    @Test func unknownAnswers() {
        #expect(SessionTransport.negotiated(responseHeaders: []) == nil)
        #expect(SessionTransport.negotiated(responseHeaders: [("Upgrade", "websocket")]) == nil)
        #expect(SessionTransport.negotiated(responseHeaders: [("Upgrade", "h2c")]) == nil)
    }

    @Test func portForwardOrNot() {
        #expect(SessionTransport.webSocket(subprotocol: "SPDY/3.1+portforward.k8s.io").isPortForward)
        #expect(SessionTransport.spdy(protocolVersion: "portforward.k8s.io").isPortForward)
        #expect(!SessionTransport.spdy(protocolVersion: "v4.channel.k8s.io").isPortForward)
        #expect(!SessionTransport.webSocket(subprotocol: "v5.channel.k8s.io").isPortForward)
    }
}
