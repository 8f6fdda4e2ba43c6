import NIOCore
import Testing
@testable import SPDY

/// A client-role and a server-role session talking in memory, the way kubectl and the
/// kubelet/emulator do for `kubectl exec -i -t` (remotecommand v4/v5 over SPDY).
@Suite struct SessionFlowTests {
    @Test(arguments: [SPDYSession.Configuration(), .kubernetes])
    func remoteCommandSession(_ configuration: SPDYSession.Configuration) throws {
        let pair = try SessionPair(client: configuration, server: configuration)
        // kubectl creates error, stdin, stdout, stderr(no tty) then resize(tty), waiting for
        // each SYN_REPLY before the next.
        let kinds = ["error", "stdin", "stdout", "stderr", "resize"]
        var ids: [String: SPDYStreamID] = [:]
        for kind in kinds {
            let (stream, output) = try pair.client.openStream(headers: ["streamtype": kind])
            ids[kind] = stream
            pair.fromClient(output)
            let events = pair.takeServerEvents()
            #expect(events == [.streamOpened(stream, headers: ["streamtype": kind], associatedTo: nil, fin: false, unidirectional: false)])
            pair.fromServer(try pair.server.reply(stream: stream))
            #expect(pair.takeClientEvents() == [.streamReplied(stream, headers: SPDYHeaderBlock(), fin: false)])
        }
        #expect(kinds.map { ids[$0]!.rawValue } == [1, 3, 5, 7, 9])

        // Terminal size, then stdin and its FIN (kubectl closes stdin at EOF).
        pair.fromClient(try pair.client.sendData(stream: ids["resize"]!, ByteBuffer(string: "{\"Width\":80,\"Height\":24}\n")))
        pair.fromClient(try pair.client.sendData(stream: ids["stdin"]!, ByteBuffer(string: "echo hi\n")))
        pair.fromClient(try pair.client.sendData(stream: ids["stdin"]!, ByteBuffer(), fin: true))
        #expect(pair.takeServerEvents() == [
            .data(ids["resize"]!, ByteBuffer(string: "{\"Width\":80,\"Height\":24}\n"), fin: false),
            .data(ids["stdin"]!, ByteBuffer(string: "echo hi\n"), fin: false),
            .data(ids["stdin"]!, ByteBuffer(), fin: true),
        ])

        // Server: output, exit status on the error stream, FIN everywhere.
        pair.fromServer(try pair.server.sendData(stream: ids["stdout"]!, ByteBuffer(string: "hi\n"), fin: true))
        pair.fromServer(try pair.server.sendData(stream: ids["stderr"]!, ByteBuffer(), fin: true))
        let status = #"{"metadata":{},"status":"Success"}"#
        pair.fromServer(try pair.server.sendData(stream: ids["error"]!, ByteBuffer(string: status), fin: true))
        pair.fromServer(try pair.server.sendData(stream: ids["stdin"]!, ByteBuffer(), fin: true))
        #expect(pair.takeClientEvents() == [
            .data(ids["stdout"]!, ByteBuffer(string: "hi\n"), fin: true),
            .data(ids["stderr"]!, ByteBuffer(), fin: true),
            .data(ids["error"]!, ByteBuffer(string: status), fin: true),
            .data(ids["stdin"]!, ByteBuffer(), fin: true),
            .streamClosed(ids["stdin"]!),
        ])
        // Both halves of stdin are now closed on the server too (its own FIN completed it).
        #expect(pair.takeServerEvents() == [.streamClosed(ids["stdin"]!)])
        #expect(pair.server.activeStreams == [1, 5, 7, 9])

        // kubectl's connection Close: RST CANCEL every stream, then GOAWAY.
        for kind in ["error", "stdout", "stderr", "resize"] {
            pair.fromClient(pair.client.reset(stream: ids[kind]!))
        }
        pair.fromClient(pair.client.goAway())
        #expect(pair.takeServerEvents() == [
            .streamReset(1, status: .cancel), .streamReset(5, status: .cancel),
            .streamReset(7, status: .cancel), .streamReset(9, status: .cancel),
            .goAway(lastGoodStream: 0, status: .ok),
        ])
        #expect(pair.server.activeStreams.isEmpty)
        #expect(pair.client.activeStreams.isEmpty)
    }

    @Test func portForwardStreamPairsCarryPortAndRequestID() throws {
        let pair = try SessionPair(client: .kubernetes, server: .kubernetes)
        for (request, type) in [(0, "error"), (0, "data"), (1, "error"), (1, "data")] {
            let headers: SPDYHeaderBlock = ["streamtype": type, "port": "8080", "requestid": "\(request)"]
            let (stream, output) = try pair.client.openStream(headers: headers)
            pair.fromClient(output)
            guard case .streamOpened(let id, let got, _, _, _) = pair.takeServerEvents().first else {
                Issue.record("no stream opened")
                return
            }
            #expect(id == stream)
            #expect(got["port"] == "8080")
            #expect(got["requestid"] == "\(request)")
            #expect(got["streamtype"] == type)
            pair.fromServer(try pair.server.reply(stream: id))
        }
        #expect(pair.server.activeStreams == [1, 3, 5, 7])
    }

    @Test func serverMayNotSendBeforeReplying() throws {
        let pair = try SessionPair()
        let (stream, output) = try pair.client.openStream(headers: ["streamtype": "stdout"])
        pair.fromClient(output)
        #expect(throws: SPDYError(.streamNotReplied, stream: stream)) {
            _ = try pair.server.sendData(stream: stream, ByteBuffer(string: "early"))
        }
        _ = try pair.server.reply(stream: stream)
        #expect(throws: SPDYError(.streamAlreadyReplied, stream: stream)) { _ = try pair.server.reply(stream: stream) }
        _ = try pair.server.sendData(stream: stream, ByteBuffer(), fin: true)
        #expect(throws: SPDYError(.streamHalfClosed("this side already sent FIN"), stream: stream)) {
            _ = try pair.server.sendData(stream: stream, ByteBuffer(string: "late"))
        }
        #expect(throws: SPDYError(.unknownStream, stream: 99)) { _ = try pair.server.reply(stream: 99) }
    }

    @Test func onlyThePeerRepliesToAStream() throws {
        let pair = try SessionPair()
        let (stream, output) = try pair.client.openStream(headers: ["a": "b"])
        pair.fromClient(output)
        #expect(throws: SPDYError(.invalidStreamID("this side opened the stream; only the peer may reply"), stream: stream)) {
            _ = try pair.client.reply(stream: stream)
        }
    }

    @Test func windowExhaustionQueuesUntilWindowUpdate() throws {
        let pair = try SessionPair()
        let (stream, opened) = try pair.client.openStream(headers: ["streamtype": "stdout"])
        pair.fromClient(opened)
        pair.fromServer(try pair.server.reply(stream: stream))
        _ = pair.takeClientEvents()

        let total = 100_000
        let sent = try pair.server.sendData(stream: stream, ByteBuffer(repeating: 0x61, count: total), fin: true)
        let frames = try parseAll(sent.bytes.bytes)
        let dataBytes = frames.reduce(0) { sum, frame in
            if case .data(let data) = frame { return sum + data.payload.readableBytes }
            return sum
        }
        // Exactly the initial 64 KiB window, in frames of at most 32 KiB, no FIN yet.
        #expect(dataBytes == SPDYSession.defaultWindowSize)
        #expect(frames.count == 2)
        #expect(!frames.contains { if case .data(let d) = $0 { return d.fin } else { return false } })
        #expect(pair.server.queuedBytes(on: stream) == total - SPDYSession.defaultWindowSize)

        // The client receives it and hands window back (stream and session WINDOW_UPDATEs).
        let received = pair.client.receive(sent.bytes)
        let updates = try parseAll(received.bytes.bytes)
        #expect(updates.contains(.windowUpdate(.init(stream: stream, delta: 32768))))
        #expect(updates.contains(.windowUpdate(.init(stream: .session, delta: 32768))))

        // Those releases let the rest (and the FIN) out.
        let released = pair.server.receive(received.bytes)
        let rest = try parseAll(released.bytes.bytes)
        let restBytes = rest.reduce(0) { sum, frame in
            if case .data(let data) = frame { return sum + data.payload.readableBytes }
            return sum
        }
        #expect(restBytes == total - SPDYSession.defaultWindowSize)
        guard case .data(let last) = rest.last else { Issue.record("no data released"); return }
        #expect(last.fin)
        #expect(pair.server.queuedBytes(on: stream) == 0)
    }

    @Test func consumptionModeHoldsTheWindowUntilConsumed() throws {
        let manual = SPDYSession.Configuration(windowRelease: .onConsumption)
        let pair = try SessionPair(client: manual)
        let (stream, opened) = try pair.client.openStream(headers: ["streamtype": "stdout"])
        pair.fromClient(opened)
        pair.fromServer(try pair.server.reply(stream: stream))
        pair.fromServer(try pair.server.sendData(stream: stream, ByteBuffer(repeating: 1, count: 80_000)))
        #expect(pair.server.queuedBytes(on: stream) == 80_000 - 65_536)
        // Nothing consumed yet: nothing released, however long we wait.
        #expect(pair.server.queuedBytes(on: stream) == 14_464)
        pair.fromClient(pair.client.consumed(stream: stream, bytes: 65_536))
        #expect(pair.server.queuedBytes(on: stream) == 0)
        let delivered = pair.takeClientEvents().reduce(0) { sum, event in
            if case .data(_, let bytes, _) = event { return sum + bytes.readableBytes }
            return sum
        }
        #expect(delivered == 80_000)
    }

    @Test func kubernetesConfigurationNeverQueuesNorUpdates() throws {
        let pair = try SessionPair(client: .kubernetes, server: .kubernetes)
        let (stream, opened) = try pair.client.openStream(headers: ["streamtype": "stdout"])
        pair.fromClient(opened)
        pair.fromServer(try pair.server.reply(stream: stream))
        let sent = try pair.server.sendData(stream: stream, ByteBuffer(repeating: 2, count: 1 << 20), fin: true)
        #expect(pair.server.queuedBytes(on: stream) == 0)
        let frames = try parseAll(sent.bytes.bytes)
        #expect(frames.count == 32)  // 1 MiB in 32 KiB frames, all at once
        let received = pair.client.receive(sent.bytes)
        #expect(received.bytes.readableBytes == 0)  // no WINDOW_UPDATE, as spdystream
        #expect(received.events.count == 32)
    }

    @Test func strictReceiverRejectsAWindowlessSender() throws {
        // What a flow-enforcing server that releases window only on consumption does to
        // kubectl (which ignores windows): reset once 64 KiB are unconsumed.
        let pair = try SessionPair(client: .kubernetes, server: .init(windowRelease: .onConsumption))
        let (stream, opened) = try pair.client.openStream(headers: ["streamtype": "stdin"])
        pair.fromClient(opened)
        pair.fromServer(try pair.server.reply(stream: stream))
        // 2 x 32 KiB fit; the third frame overruns the session (and stream) window.
        let sent = try pair.client.sendData(stream: stream, ByteBuffer(repeating: 3, count: 96 * 1024))
        let output = pair.server.receive(sent.bytes)
        #expect(output.events.count == 2)
        #expect(output.sessionError == SPDYError(.flowControl("32768 bytes exceed the session window of 0")))
        #expect(try parseAll(output.bytes.bytes).last == .goAway(.init(lastGoodStream: stream, status: .protocolError)))
    }

    @Test func settingsInitialWindowSizeResizesSendWindows() throws {
        let pair = try SessionPair()
        let (stream, opened) = try pair.client.openStream(headers: ["streamtype": "stdout"])
        pair.fromClient(opened)
        pair.fromServer(try pair.server.reply(stream: stream))
        let peer = try SPDYFrameSerializer()  // stands in for the client: SETTINGS carry no headers
        let shrink = pair.server.receive(try peer.serialize(.settings(.init(entries: [SPDYSetting(id: .initialWindowSize, value: 1024)]))))
        #expect(shrink.events == [.settings([SPDYSetting(id: .initialWindowSize, value: 1024)])])
        let sent = try pair.server.sendData(stream: stream, ByteBuffer(repeating: 4, count: 4096))
        #expect(try parseAll(sent.bytes.bytes) == [.data(.init(stream: stream, payload: ByteBuffer(repeating: 4, count: 1024)))])
        let grow = pair.server.receive(try peer.serialize(.settings(.init(entries: [SPDYSetting(id: .initialWindowSize, value: 8192)]))))
        #expect(try parseAll(grow.bytes.bytes) == [.data(.init(stream: stream, payload: ByteBuffer(repeating: 4, count: 3072)))])
    }

    @Test func pingsAreEchoedAndRecognised() throws {
        let pair = try SessionPair()
        let (clientPing, output) = try pair.client.ping()
        #expect(clientPing == 1)
        pair.fromClient(output)
        #expect(pair.takeServerEvents() == [.ping(id: 1, isReply: false)])
        #expect(pair.takeClientEvents() == [.ping(id: 1, isReply: true)])
        let (serverPing, serverOutput) = try pair.server.ping()
        #expect(serverPing == 2)
        pair.fromServer(serverOutput)
        #expect(pair.takeClientEvents() == [.ping(id: 2, isReply: false)])
        #expect(pair.takeServerEvents() == [.ping(id: 2, isReply: true)])
        #expect(try pair.client.ping().id == 3)
    }

    @Test func goAwayStopsNewStreams() throws {
        let pair = try SessionPair()
        let (first, opened) = try pair.client.openStream(headers: ["streamtype": "error"])
        pair.fromClient(opened)
        pair.fromServer(pair.server.goAway())
        #expect(pair.takeClientEvents() == [.goAway(lastGoodStream: first, status: .ok)])
        #expect(throws: SPDYError(.goneAway)) { _ = try pair.client.openStream(headers: [:]) }
        #expect(pair.server.goAway().bytes.readableBytes == 0)  // only once
        // The stream opened before GOAWAY still works.
        pair.fromServer(try pair.server.reply(stream: first))
        pair.fromServer(try pair.server.sendData(stream: first, ByteBuffer(string: "x"), fin: true))
        #expect(pair.takeClientEvents().count == 2)
    }

    @Test func streamsOpenedAfterOurGoAwayAreIgnored() throws {
        let server = try SPDYSession(role: .server)
        let peer = try SPDYFrameSerializer()
        _ = server.goAway()
        let output = server.receive(try peer.serialize(.synStream(.init(stream: 1, headers: ["a": "b"]))))
        #expect(output.events.isEmpty)
        #expect(output.bytes.readableBytes == 0)
        #expect(server.activeStreams.isEmpty)
    }

    @Test func resetStreamsForgetLateFramesButUnknownOnesAreRejected() throws {
        let pair = try SessionPair()
        let (stream, opened) = try pair.client.openStream(headers: ["streamtype": "data"])
        pair.fromClient(opened)
        pair.fromServer(try pair.server.reply(stream: stream))
        let lateData = try pair.client.sendData(stream: stream, ByteBuffer(string: "in flight"))
        pair.fromServer(pair.server.reset(stream: stream))
        #expect(pair.takeClientEvents().last == .streamReset(stream, status: .cancel))
        // Data that crossed the RST is dropped quietly.
        let late = pair.server.receive(lateData.bytes)
        #expect(late.events.isEmpty)
        #expect(late.bytes.readableBytes == 0)
        #expect(throws: SPDYError(.unknownStream, stream: stream)) {
            _ = try pair.server.sendData(stream: stream, ByteBuffer(string: "x"))
        }
        // DATA for a stream never opened: RST INVALID_STREAM.
        let bogus = pair.server.receive(try SPDYFrameSerializer().serialize(.data(.init(stream: 41, payload: ByteBuffer(string: "?")))))
        #expect(bogus.events == [.streamRejected(41, status: .invalidStream, reason: SPDYError(.unknownStream, stream: 41))])
        #expect(try parseAll(bogus.bytes.bytes) == [.rstStream(.init(stream: 41, status: .invalidStream))])
    }

    @Test func dataAfterThePeersFinIsRejected() throws {
        let server = try SPDYSession(role: .server)
        let peer = try SPDYFrameSerializer()
        var bytes = ByteBuffer()
        try peer.serialize(.synStream(.init(stream: 1, fin: true, headers: ["streamtype": "error"])), into: &bytes)
        try peer.serialize(.data(.init(stream: 1, payload: ByteBuffer(string: "after fin"))), into: &bytes)
        let output = server.receive(bytes)
        #expect(output.events.last == .streamRejected(1, status: .streamAlreadyClosed, reason: SPDYError(.streamHalfClosed("DATA after the peer's FIN"), stream: 1)))
        #expect(try parseAll(output.bytes.bytes) == [.rstStream(.init(stream: 1, status: .streamAlreadyClosed))])
    }

    @Test func badStreamIDsAreRefused() throws {
        let server = try SPDYSession(role: .server)
        let peer = try SPDYFrameSerializer()
        var bytes = ByteBuffer()
        try peer.serialize(.synStream(.init(stream: 2, headers: ["a": "even"])), into: &bytes)  // server parity
        try peer.serialize(.synStream(.init(stream: 5, headers: ["a": "ok"])), into: &bytes)
        try peer.serialize(.synStream(.init(stream: 3, headers: ["a": "backwards"])), into: &bytes)
        try peer.serialize(.synStream(.init(stream: 5, headers: ["a": "again"])), into: &bytes)  // in use
        let output = server.receive(bytes)
        let rejected = output.events.compactMap { event -> UInt32? in
            if case .streamRejected(let id, let status, _) = event, status == .protocolError { return id.rawValue }
            return nil
        }
        #expect(rejected == [2, 3, 5])
        #expect(output.events.contains(.streamOpened(5, headers: ["a": "ok"], associatedTo: nil, fin: false, unidirectional: false)))
        #expect(server.activeStreams.isEmpty)
    }

    @Test func windowOverflowResetsTheStream() throws {
        let pair = try SessionPair()
        let (stream, opened) = try pair.client.openStream(headers: ["a": "b"])
        pair.fromClient(opened)
        let output = pair.server.receive(try SPDYFrameSerializer().serialize(.windowUpdate(.init(stream: stream, delta: 0x7FFF_FFFF))))
        #expect(try parseAll(output.bytes.bytes) == [.rstStream(.init(stream: stream, status: .flowControlError))])
    }

    @Test func sessionErrorsSendGoAwayAndStick() throws {
        let pair = try SessionPair()
        let (stream, opened) = try pair.client.openStream(headers: ["a": "b"])
        pair.fromClient(opened)
        _ = pair.takeServerEvents()
        var bytes = ByteBuffer()
        try SPDYFrameSerializer().serialize(.ping(.init(id: 7)), into: &bytes)
        bytes.writeBytes([0x80, 0x02, 0x00, 0x06, 0, 0, 0, 4, 0, 0, 0, 9])  // SPDY/2 PING
        let output = pair.server.receive(bytes)
        #expect(output.events == [.ping(id: 7, isReply: false)])  // what came before still counts
        #expect(output.sessionError == SPDYError(.unsupportedVersion(2)))
        #expect(try parseAll(output.bytes.bytes) == [.ping(.init(id: 7)), .goAway(.init(lastGoodStream: stream, status: .protocolError))])
        #expect(pair.server.receive(ByteBuffer()).sessionError == SPDYError(.unsupportedVersion(2)))
        #expect(throws: SPDYError(.unsupportedVersion(2))) { _ = try pair.server.reply(stream: stream) }
    }

    @Test func unidirectionalAndFinFlagsCloseHalves() throws {
        let pair = try SessionPair()
        // FIN on SYN_STREAM: the peer sends nothing; the server's FIN then closes the stream.
        let (stream, opened) = try pair.client.openStream(headers: ["a": "b"], fin: true)
        pair.fromClient(opened)
        #expect(pair.takeServerEvents() == [.streamOpened(stream, headers: ["a": "b"], associatedTo: nil, fin: true, unidirectional: false)])
        pair.fromServer(try pair.server.reply(stream: stream, fin: true))
        #expect(pair.takeServerEvents() == [.streamClosed(stream)])
        #expect(pair.takeClientEvents() == [.streamReplied(stream, headers: SPDYHeaderBlock(), fin: true), .streamClosed(stream)])
        // Unidirectional: the recipient may neither reply nor send.
        let (oneWay, output) = try pair.client.openStream(headers: ["c": "d"], unidirectional: true)
        pair.fromClient(output)
        #expect(throws: SPDYError(.streamHalfClosed("the stream is unidirectional from the peer"), stream: oneWay)) {
            _ = try pair.server.reply(stream: oneWay)
        }
    }
}
