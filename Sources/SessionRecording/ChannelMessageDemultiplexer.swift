/// Turns one direction's `channel.k8s.io` WebSocket messages into session frames: the first
/// byte of each binary message names its channel, the rest is that channel's data.
///
/// Data channels (stdin, stdout, stderr) are passed on as their bytes arrive, so nothing large
/// is held. The small channels whose messages only mean something whole (error, resize, v5's
/// close signal) are collected per message, up to `maximumMessageLength`. Messages on channels
/// the protocol does not define are skipped, as client-go and the apiserver discard them.
struct ChannelMessageDemultiplexer: Sendable {
    let direction: SessionDirection
    /// v5 defines channel 255, the close signal; before v5 it is an unknown channel.
    let closeSignal: Bool
    /// The most bytes one error, resize or close message may hold.
    let maximumMessageLength: Int

    private enum State: Sendable {
        /// Between messages.
        case idle
        /// A message started; its first byte, the channel, has not arrived yet.
        case awaitingChannel
        /// Inside a message on a data channel; nil for a channel that is skipped.
        case streaming(SessionStream?)
        /// Inside a message on a channel that is collected whole.
        case collecting(SessionStream, [UInt8])
    }

    private var state = State.idle

    init(direction: SessionDirection, closeSignal: Bool, maximumMessageLength: Int = 1 << 20) {
        self.direction = direction
        self.closeSignal = closeSignal
        self.maximumMessageLength = maximumMessageLength
    }

    /// The frames one WebSocket event completes; throws the reason when the stream cannot be a
    /// channel protocol.
    mutating func handle(_ event: WebSocketFrameParser.Event, at offset: Int64) throws(WebSocketParseError) -> SessionFrame? {
        switch event {
        case .messageStarted:
            // Text messages too, read as the kubelet reads them (wsstream takes any message's
            // bytes, channel byte first): the official Python client sends stdin as text.
            state = .awaitingChannel
            return nil
        case .payload(let bytes):
            return try payload(bytes[...], at: offset)
        case .messageEnded:
            defer { state = .idle }
            guard case .collecting(let stream, let bytes) = state else { return nil }
            return SessionFrame(offset: offset, stream: stream, bytes: bytes, direction: direction)
        case .control:
            return nil
        }
    }

    private mutating func payload(_ bytes: ArraySlice<UInt8>, at offset: Int64) throws(WebSocketParseError) -> SessionFrame? {
        var bytes = bytes
        if case .awaitingChannel = state {
            guard let channel = bytes.popFirst() else { return nil }
            let stream = SessionStream(channel: channel).flatMap { $0 == .close && !closeSignal ? nil : $0 }
            switch stream {
            case .stdin?, .stdout?, .stderr?, nil:
                state = .streaming(stream)
            case let collected?:
                state = .collecting(collected, [])
            }
        }
        switch state {
        case .streaming(let stream?) where !bytes.isEmpty:
            return SessionFrame(offset: offset, stream: stream, bytes: Array(bytes), direction: direction)
        case .collecting(let stream, var collected):
            guard collected.count + bytes.count <= maximumMessageLength else {
                throw WebSocketParseError(reason: "\(stream) message longer than \(maximumMessageLength) bytes")
            }
            state = .idle  // let `collected` be uniquely referenced while it grows
            collected.append(contentsOf: bytes)
            state = .collecting(stream, collected)
            return nil
        default:
            return nil
        }
    }
}
