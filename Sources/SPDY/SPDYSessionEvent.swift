import NIOCore

/// Something the peer did on a SPDY session, as `SPDYSession` reports it.
public enum SPDYSessionEvent: Hashable, Sendable {
    /// The peer opened a stream (SYN_STREAM). Kubernetes puts "streamtype" (error, stdin,
    /// stdout, stderr, resize, data), "port" and "requestid" here. `associatedTo` is `nil`
    /// unless the stream was pushed on another one.
    case streamOpened(SPDYStreamID, headers: SPDYHeaderBlock, associatedTo: SPDYStreamID?, fin: Bool, unidirectional: Bool)
    /// The peer accepted a stream this side opened (SYN_REPLY).
    case streamReplied(SPDYStreamID, headers: SPDYHeaderBlock, fin: Bool)
    /// More headers on an open stream (HEADERS).
    case headers(SPDYStreamID, headers: SPDYHeaderBlock, fin: Bool)
    /// Bytes on a stream; `fin` means the peer will send nothing more on it.
    case data(SPDYStreamID, ByteBuffer, fin: Bool)
    /// The peer reset a stream (RST_STREAM); it is gone both ways.
    case streamReset(SPDYStreamID, status: SPDYResetStatus)
    /// This side reset a stream because the peer broke the protocol on it; the RST_STREAM is
    /// in the output bytes.
    case streamRejected(SPDYStreamID, status: SPDYResetStatus, reason: SPDYError)
    /// Both sides sent FIN: the stream is finished and forgotten.
    case streamClosed(SPDYStreamID)
    /// A PING: `isReply` when it answers one of ours, otherwise the echo is in the output bytes.
    case ping(id: UInt32, isReply: Bool)
    /// The peer will open no more streams and accepted ours up to `lastGoodStream`.
    case goAway(lastGoodStream: SPDYStreamID, status: SPDYGoAwayStatus)
    /// The peer's SETTINGS (INITIAL_WINDOW_SIZE is applied by the session).
    case settings([SPDYSetting])
}

/// What one call into `SPDYSession` produced: events to act on and bytes to write, in order.
public struct SPDYSessionOutput: Sendable {
    /// What the peer did, in the order its frames arrived.
    public var events: [SPDYSessionEvent]
    /// Frames to send to the peer now (possibly empty): replies, data, PING echoes,
    /// WINDOW_UPDATEs, RST_STREAMs, GOAWAY.
    public var bytes: ByteBuffer
    /// Set when the peer broke the session (bad framing, zlib, version): `bytes` then end with
    /// GOAWAY(PROTOCOL_ERROR); write them and close the connection. The session is finished.
    public var sessionError: SPDYError?

    public init(events: [SPDYSessionEvent] = [], bytes: ByteBuffer = ByteBuffer(), sessionError: SPDYError? = nil) {
        self.events = events
        self.bytes = bytes
        self.sessionError = sessionError
    }
}
