import NIOCore

/// One SPDY/3.1 connection as a pure state machine: bytes in, events and bytes out. No I/O.
///
/// The session does not care where bytes come from: a raw TCP/TLS stream after an HTTP
/// `Upgrade: SPDY/3.1` 101, or the concatenated payloads of WebSocket binary messages for
/// `SPDY/3.1+portforward.k8s.io`. Every call returns a `SPDYSessionOutput`; write its bytes
/// to the peer in call order.
///
/// Kubernetes usage: the emulator is `.server` with `Configuration.kubernetes`. kubectl opens
/// every stream; the server answers each SYN_STREAM with `reply(stream:)` (empty headers,
/// as the kubelet does) and only then sends data on it.
///
/// Not thread-safe: confine to one event loop.
public final class SPDYSession {
    public let role: Role
    public let configuration: Configuration

    let parser: SPDYFrameParser
    let serializer: SPDYFrameSerializer
    var streams: [SPDYStreamID: SPDYStreamState] = [:]
    /// Highest stream id the peer opened (accepted or rejected); 0 before any.
    var lastPeerStream = SPDYStreamID.session
    /// Next id for a stream this side opens.
    var nextLocalStream: UInt32
    var nextPingID: UInt32
    /// The peer's INITIAL_WINDOW_SIZE for new streams we send on.
    var peerInitialWindow = SPDYSession.defaultWindowSize
    var sessionSendWindow = SPDYSession.defaultWindowSize
    var sessionReceiveWindow = SPDYSession.defaultWindowSize
    var sessionUnacknowledged = 0
    var goAwaySent = false
    var goAwayReceived = false
    var failure: SPDYError?

    /// Output being assembled by the current call.
    var output = SPDYSessionOutput()

    public init(role: Role, configuration: Configuration = Configuration()) throws(SPDYError) {
        self.role = role
        self.configuration = configuration
        self.parser = try SPDYFrameParser(limits: configuration.parserLimits)
        self.serializer = try SPDYFrameSerializer()
        self.nextLocalStream = role == .server ? 2 : 1
        self.nextPingID = role == .server ? 2 : 1
    }

    /// Streams that are open in at least one direction, in id order.
    public var activeStreams: [SPDYStreamID] { streams.keys.sorted() }

    /// Whether `stream` is open in at least one direction.
    public func isActive(_ stream: SPDYStreamID) -> Bool { streams[stream] != nil }

    /// Bytes accepted by `sendData` on `stream` still waiting for the peer's window.
    public func queuedBytes(on stream: SPDYStreamID) -> Int { streams[stream]?.queuedBytes ?? 0 }

    /// Whether a session error ended this session.
    public var hasFailed: Bool { failure != nil }

    var flowEnforced: Bool { configuration.flowControl == .enforced }

    /// Whether `stream` has the parity of streams the peer opens.
    func isPeerStream(_ stream: SPDYStreamID) -> Bool {
        stream.isClientInitiated == (role == .server)
    }

    // MARK: - Inbound

    /// Feeds bytes received from the peer; returns what they meant and what to answer.
    public func receive(_ bytes: ByteBuffer) -> SPDYSessionOutput {
        output = SPDYSessionOutput()
        if let failure {
            output.sessionError = failure
            return takeOutput()
        }
        parser.append(bytes)
        while true {
            let frame: SPDYFrame?
            do {
                frame = try parser.nextFrame()
            } catch {
                if let stream = error.stream {
                    if stream > lastPeerStream && isPeerStream(stream) { lastPeerStream = stream }
                    streams[stream] = nil
                    reject(stream, status: .protocolError, reason: error)
                    continue
                }
                fail(error)
                break
            }
            guard let frame else { break }
            handle(frame)
            if failure != nil { break }
        }
        return takeOutput()
    }

    func takeOutput() -> SPDYSessionOutput {
        let result = output
        output = SPDYSessionOutput()
        return result
    }

    private func handle(_ frame: SPDYFrame) {
        switch frame {
        case .synStream(let syn): handleSynStream(syn)
        case .synReply(let reply): handleSynReply(reply)
        case .headers(let headers): handleHeaders(headers)
        case .data(let data): handleData(data)
        case .rstStream(let rst):
            if streams.removeValue(forKey: rst.stream) != nil {
                output.events.append(.streamReset(rst.stream, status: rst.status))
            }
        case .settings(let settings): handleSettings(settings)
        case .ping(let ping):
            // Our parity: the answer to one of our pings. Otherwise echo it unchanged.
            let isReply = (ping.id % 2 == 0) == (role == .server)
            if !isReply { write(.ping(ping)) }
            output.events.append(.ping(id: ping.id, isReply: isReply))
        case .goAway(let goAway):
            goAwayReceived = true
            output.events.append(.goAway(lastGoodStream: goAway.lastGoodStream, status: goAway.status))
        case .windowUpdate(let update): handleWindowUpdate(update)
        }
    }

    private func handleSynStream(_ syn: SPDYFrame.SynStream) {
        // After our GOAWAY, new streams are ignored (its headers were still inflated).
        if goAwaySent { return }
        guard isPeerStream(syn.stream) else {
            reject(syn.stream, status: .protocolError, reason: SPDYError(.invalidStreamID("the peer opened a stream with this side's parity"), stream: syn.stream))
            return
        }
        if streams[syn.stream] != nil {
            streams[syn.stream] = nil
            reject(syn.stream, status: .protocolError, reason: SPDYError(.invalidStreamID("SYN_STREAM for a stream already open"), stream: syn.stream))
            return
        }
        guard syn.stream > lastPeerStream else {
            reject(syn.stream, status: .protocolError, reason: SPDYError(.invalidStreamID("not above the last stream id \(lastPeerStream.rawValue)"), stream: syn.stream))
            return
        }
        lastPeerStream = syn.stream
        var state = SPDYStreamState(id: syn.stream, isLocal: false, sendWindow: peerInitialWindow, receiveWindow: Self.defaultWindowSize)
        state.finReceived = syn.fin
        state.finSent = syn.unidirectional
        state.finQueued = syn.unidirectional
        streams[syn.stream] = state
        let associated: SPDYStreamID? = syn.associatedTo == .session ? nil : syn.associatedTo
        output.events.append(.streamOpened(syn.stream, headers: syn.headers, associatedTo: associated, fin: syn.fin, unidirectional: syn.unidirectional))
        closeIfDone(syn.stream)
    }

    private func handleSynReply(_ reply: SPDYFrame.SynReply) {
        guard var state = streams[reply.stream] else {
            unknownStream(reply.stream)
            return
        }
        guard state.isLocal else {
            streams[reply.stream] = nil
            reject(reply.stream, status: .protocolError, reason: SPDYError(.invalidStreamID("SYN_REPLY for a stream the peer opened"), stream: reply.stream))
            return
        }
        guard !state.replied else {
            streams[reply.stream] = nil
            reject(reply.stream, status: .streamInUse, reason: SPDYError(.streamAlreadyReplied, stream: reply.stream))
            return
        }
        state.replied = true
        state.finReceived = state.finReceived || reply.fin
        streams[reply.stream] = state
        output.events.append(.streamReplied(reply.stream, headers: reply.headers, fin: reply.fin))
        closeIfDone(reply.stream)
    }

    private func handleHeaders(_ headers: SPDYFrame.Headers) {
        guard var state = streams[headers.stream] else {
            unknownStream(headers.stream)
            return
        }
        guard !state.finReceived else {
            streams[headers.stream] = nil
            reject(headers.stream, status: .invalidStream, reason: SPDYError(.streamHalfClosed("HEADERS after the peer's FIN"), stream: headers.stream))
            return
        }
        state.finReceived = headers.fin
        streams[headers.stream] = state
        output.events.append(.headers(headers.stream, headers: headers.headers, fin: headers.fin))
        closeIfDone(headers.stream)
    }

    private func handleData(_ data: SPDYFrame.Data) {
        let length = data.payload.readableBytes
        if flowEnforced {
            guard length <= sessionReceiveWindow else {
                fail(SPDYError(.flowControl("\(length) bytes exceed the session window of \(sessionReceiveWindow)")))
                return
            }
            sessionReceiveWindow -= length
        }
        guard var state = streams[data.stream] else {
            unknownStream(data.stream)
            credit(nil, bytes: length)
            return
        }
        guard !state.finReceived else {
            streams[data.stream] = nil
            reject(data.stream, status: .streamAlreadyClosed, reason: SPDYError(.streamHalfClosed("DATA after the peer's FIN"), stream: data.stream))
            credit(nil, bytes: length)
            return
        }
        if flowEnforced {
            guard length <= state.receiveWindow else {
                streams[data.stream] = nil
                reject(data.stream, status: .flowControlError, reason: SPDYError(.flowControl("\(length) bytes exceed the stream window of \(state.receiveWindow)"), stream: data.stream))
                credit(nil, bytes: length)
                return
            }
            state.receiveWindow -= length
        }
        state.finReceived = data.fin
        streams[data.stream] = state
        output.events.append(.data(data.stream, data.payload, fin: data.fin))
        if configuration.windowRelease == .onReceipt {
            credit(data.stream, bytes: length)
        }
        closeIfDone(data.stream)
    }

    private func handleSettings(_ settings: SPDYFrame.Settings) {
        output.events.append(.settings(settings.entries))
        guard let entry = settings.entries.last(where: { $0.id == .initialWindowSize }) else { return }
        let value = Int(min(entry.value, UInt32(Self.maximumWindowSize)))
        let delta = value - peerInitialWindow
        peerInitialWindow = value
        for id in streams.keys { streams[id]!.sendWindow += delta }
        if delta > 0 { drainAll() }
    }

    private func handleWindowUpdate(_ update: SPDYFrame.WindowUpdate) {
        guard update.delta > 0 else { return }
        let delta = Int(update.delta)
        if update.stream == .session {
            guard sessionSendWindow + delta <= Self.maximumWindowSize else {
                fail(SPDYError(.flowControl("WINDOW_UPDATE grows the session window beyond 2^31-1")))
                return
            }
            sessionSendWindow += delta
            drainAll()
            return
        }
        guard var state = streams[update.stream] else { return }
        guard state.sendWindow + delta <= Self.maximumWindowSize else {
            streams[update.stream] = nil
            reject(update.stream, status: .flowControlError, reason: SPDYError(.flowControl("WINDOW_UPDATE grows the window beyond 2^31-1"), stream: update.stream))
            return
        }
        state.sendWindow += delta
        streams[update.stream] = state
        drain(update.stream)
    }

    /// A frame for a stream that is not open: ignored if the stream existed once (frames in
    /// flight after a RST or FIN), answered with RST INVALID_STREAM if it never did.
    private func unknownStream(_ stream: SPDYStreamID) {
        let existedOnce = isPeerStream(stream) ? stream <= lastPeerStream : stream.rawValue < nextLocalStream
        if existedOnce { return }
        reject(stream, status: .invalidStream, reason: SPDYError(.unknownStream, stream: stream))
    }

    // MARK: - Shared helpers

    /// Answers a peer's protocol error on `stream` with RST_STREAM. The caller forgets the
    /// stream's state where there is one that belongs to it.
    func reject(_ stream: SPDYStreamID, status: SPDYResetStatus, reason: SPDYError) {
        write(.rstStream(.init(stream: stream, status: status)))
        output.events.append(.streamRejected(stream, status: status, reason: reason))
    }

    /// Ends the session: GOAWAY(PROTOCOL_ERROR) and no more processing.
    func fail(_ error: SPDYError) {
        failure = error
        output.sessionError = error
        if !goAwaySent {
            goAwaySent = true
            write(.goAway(.init(lastGoodStream: lastPeerStream, status: .protocolError)))
        }
    }

    /// Forgets `stream` once both halves are closed.
    func closeIfDone(_ stream: SPDYStreamID) {
        guard let state = streams[stream], state.isClosed else { return }
        streams[stream] = nil
        output.events.append(.streamClosed(stream))
    }

    /// Serializes a frame that carries no header block (cannot fail) or one whose failure
    /// ends the session.
    func write(_ frame: SPDYFrame) {
        do {
            try serializer.serialize(frame, into: &output.bytes)
        } catch {
            failure = error
            output.sessionError = error
        }
    }
}
