import NIOCore

// What the owner of a session can do. Each action returns the bytes to write; misuse
// throws a stream-scoped `SPDYError` and changes nothing.
extension SPDYSession {
    /// Accepts a stream the peer opened (SYN_REPLY). Kubernetes servers reply with no
    /// headers and `fin: false`; spdystream drops data that arrives before the reply.
    public func reply(stream: SPDYStreamID, headers: SPDYHeaderBlock = SPDYHeaderBlock(), fin: Bool = false) throws(SPDYError) -> SPDYSessionOutput {
        try checkUsable()
        guard var state = streams[stream] else { throw SPDYError(.unknownStream, stream: stream) }
        guard !state.isLocal else {
            throw SPDYError(.invalidStreamID("this side opened the stream; only the peer may reply"), stream: stream)
        }
        guard !state.replied else { throw SPDYError(.streamAlreadyReplied, stream: stream) }
        guard !state.finQueued else { throw SPDYError(.streamHalfClosed("the stream is unidirectional from the peer"), stream: stream) }
        output = SPDYSessionOutput()
        try serializeOrThrow(.synReply(.init(stream: stream, fin: fin, headers: headers)))
        state.replied = true
        if fin {
            state.finQueued = true
            state.finSent = true
        }
        streams[stream] = state
        closeIfDone(stream)
        return takeOutput()
    }

    /// Opens a stream (SYN_STREAM) with the next id of this side's parity.
    public func openStream(
        headers: SPDYHeaderBlock,
        fin: Bool = false,
        unidirectional: Bool = false,
        priority: UInt8 = 0,
        associatedTo: SPDYStreamID = .session
    ) throws(SPDYError) -> (stream: SPDYStreamID, output: SPDYSessionOutput) {
        try checkUsable()
        guard !goAwayReceived, !goAwaySent else { throw SPDYError(.goneAway) }
        guard nextLocalStream <= SPDYStreamID.maximum.rawValue else {
            throw SPDYError(.invalidStreamID("stream ids are exhausted"))
        }
        let stream = SPDYStreamID(nextLocalStream)
        output = SPDYSessionOutput()
        try serializeOrThrow(.synStream(.init(
            stream: stream, associatedTo: associatedTo, priority: priority, fin: fin,
            unidirectional: unidirectional, headers: headers)))
        nextLocalStream += 2
        var state = SPDYStreamState(id: stream, isLocal: true, sendWindow: peerInitialWindow, receiveWindow: Self.defaultWindowSize)
        state.finQueued = fin
        state.finSent = fin
        state.finReceived = unidirectional
        streams[stream] = state
        closeIfDone(stream)
        return (stream, takeOutput())
    }

    /// Sends more headers on a stream (HEADERS); not allowed while data waits for window.
    public func sendHeaders(stream: SPDYStreamID, headers: SPDYHeaderBlock, fin: Bool = false) throws(SPDYError) -> SPDYSessionOutput {
        try checkUsable()
        var state = try sendableState(stream)
        guard state.queue.isEmpty else {
            throw SPDYError(.flowControl("HEADERS would overtake \(state.queuedBytes) queued bytes"), stream: stream)
        }
        output = SPDYSessionOutput()
        try serializeOrThrow(.headers(.init(stream: stream, fin: fin, headers: headers)))
        if fin {
            state.finQueued = true
            state.finSent = true
        }
        streams[stream] = state
        closeIfDone(stream)
        return takeOutput()
    }

    /// Sends bytes on a stream; `fin` half-closes this side after them (an empty buffer with
    /// `fin` sends an empty DATA frame with FIN, as spdystream's `Close` does).
    ///
    /// With `.enforced` flow control, what the peer's windows do not allow is queued and
    /// released by later WINDOW_UPDATEs (see `queuedBytes(on:)`); FIN follows the last byte.
    public func sendData(stream: SPDYStreamID, _ bytes: ByteBuffer, fin: Bool = false) throws(SPDYError) -> SPDYSessionOutput {
        try checkUsable()
        var state = try sendableState(stream)
        if bytes.readableBytes > 0 {
            state.queue.append(bytes)
            state.queuedBytes += bytes.readableBytes
        }
        state.finQueued = state.finQueued || fin
        streams[stream] = state
        output = SPDYSessionOutput()
        drain(stream)
        return takeOutput()
    }

    /// Resets a stream (RST_STREAM) and drops whatever was queued on it. Kubernetes uses
    /// `.cancel` to tear a stream down. No-op for a stream that is not open.
    public func reset(stream: SPDYStreamID, status: SPDYResetStatus = .cancel) -> SPDYSessionOutput {
        output = SPDYSessionOutput()
        guard failure == nil, streams.removeValue(forKey: stream) != nil else { return takeOutput() }
        write(.rstStream(.init(stream: stream, status: status)))
        return takeOutput()
    }

    /// Sends a PING with this side's next id (the peer echoes it: `.ping(id, isReply: true)`).
    public func ping() throws(SPDYError) -> (id: UInt32, output: SPDYSessionOutput) {
        try checkUsable()
        let id = nextPingID
        nextPingID = nextPingID > 0x7FFF_FFFD ? (role == .server ? 2 : 1) : nextPingID + 2
        output = SPDYSessionOutput()
        write(.ping(.init(id: id)))
        return (id, takeOutput())
    }

    /// Sends GOAWAY (once): no new streams will be accepted; streams already open go on.
    public func goAway(status: SPDYGoAwayStatus = .ok) -> SPDYSessionOutput {
        output = SPDYSessionOutput()
        guard !goAwaySent, failure == nil else { return takeOutput() }
        goAwaySent = true
        write(.goAway(.init(lastGoodStream: lastPeerStream, status: status)))
        return takeOutput()
    }

    /// Hands `bytes` delivered on `stream` back to the peer's window
    /// (`WindowRelease.onConsumption`; call it for every delivered byte, even after the
    /// stream ended, or the session window leaks).
    public func consumed(stream: SPDYStreamID, bytes: Int) -> SPDYSessionOutput {
        output = SPDYSessionOutput()
        if failure == nil, configuration.windowRelease == .onConsumption, bytes > 0 {
            credit(stream, bytes: bytes)
        }
        return takeOutput()
    }

    // MARK: - Internals

    func checkUsable() throws(SPDYError) {
        if let failure { throw failure }
    }

    /// The state of a stream this side may still send on.
    private func sendableState(_ stream: SPDYStreamID) throws(SPDYError) -> SPDYStreamState {
        guard let state = streams[stream] else { throw SPDYError(.unknownStream, stream: stream) }
        guard !state.finQueued else { throw SPDYError(.streamHalfClosed("this side already sent FIN"), stream: stream) }
        guard state.isLocal || state.replied else { throw SPDYError(.streamNotReplied, stream: stream) }
        return state
    }

    private func serializeOrThrow(_ frame: SPDYFrame) throws(SPDYError) {
        do {
            try serializer.serialize(frame, into: &output.bytes)
        } catch {
            // The compressor may have advanced: the peer's inflater can no longer follow.
            failure = error
            throw error
        }
    }

    /// Returns received bytes to the peer's windows, announcing them once half a window has
    /// accumulated. `stream == nil` credits only the session window.
    func credit(_ stream: SPDYStreamID?, bytes: Int) {
        guard flowEnforced else { return }
        let threshold = Self.defaultWindowSize / 2
        sessionUnacknowledged += bytes
        if sessionUnacknowledged >= threshold {
            write(.windowUpdate(.init(stream: .session, delta: UInt32(sessionUnacknowledged))))
            sessionReceiveWindow += sessionUnacknowledged
            sessionUnacknowledged = 0
        }
        guard let stream, var state = streams[stream], !state.finReceived else { return }
        state.unacknowledged += bytes
        if state.unacknowledged >= threshold {
            write(.windowUpdate(.init(stream: stream, delta: UInt32(state.unacknowledged))))
            state.receiveWindow += state.unacknowledged
            state.unacknowledged = 0
        }
        streams[stream] = state
    }

    /// Sends what the windows allow from `stream`'s queue, then its FIN if due.
    func drain(_ stream: SPDYStreamID) {
        guard var state = streams[stream] else { return }
        while !state.queue.isEmpty {
            var allowance = configuration.maximumDataFrameSize
            if flowEnforced { allowance = min(allowance, state.sendWindow, sessionSendWindow) }
            guard let piece = state.dequeue(upTo: allowance) else { break }
            if flowEnforced {
                state.sendWindow -= piece.readableBytes
                sessionSendWindow -= piece.readableBytes
            }
            let last = state.queue.isEmpty && state.finQueued
            write(.data(.init(stream: stream, payload: piece, fin: last)))
            if last { state.finSent = true }
        }
        if state.queue.isEmpty && state.finQueued && !state.finSent {
            write(.data(.init(stream: stream, payload: ByteBuffer(), fin: true)))
            state.finSent = true
        }
        streams[stream] = state
        closeIfDone(stream)
    }

    /// Drains every stream with queued data, lowest id first.
    func drainAll() {
        for stream in streams.keys.sorted() where !(streams[stream]?.queue.isEmpty ?? true) {
            drain(stream)
        }
    }
}
