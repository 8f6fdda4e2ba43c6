/// One recorded piece of a session: what was sent on which stream, when, and by whom.
public struct SessionFrame: Sendable, Equatable {
    /// Microseconds since the session started (given by the caller).
    public var offset: Int64
    public var stream: SessionStream
    /// The forwarded port (port-forward only).
    public var port: UInt16?
    public var bytes: [UInt8]
    /// Who sent it. Needed because port-forward data and close signals flow both ways.
    public var direction: SessionDirection

    public init(offset: Int64, stream: SessionStream, port: UInt16? = nil, bytes: [UInt8], direction: SessionDirection) {
        self.offset = offset
        self.stream = stream
        self.port = port
        self.bytes = bytes
        self.direction = direction
    }
}
