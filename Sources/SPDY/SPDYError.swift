/// A SPDY failure: what was wrong, and on which stream if the failure belongs to one.
///
/// `isStreamError` tells the two scopes of the SPDY/3 spec apart: a stream error costs one
/// stream (answer with RST_STREAM, go on); a session error means the byte stream or the zlib
/// state can no longer be trusted (answer with GOAWAY and close the connection).
public struct SPDYError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: Hashable, Sendable {
        /// A control frame with a version other than 3.
        case unsupportedVersion(UInt16)
        /// A frame whose length exceeds the configured maximum (or SPDY's 24-bit limit).
        case frameTooLarge(length: Int, limit: Int)
        /// A frame whose fixed fields do not fit its length or carry forbidden values.
        case invalidFrame(String)
        /// A zlib failure while (de)compressing a header block.
        case compression(String)
        /// A decompressed header block beyond the configured limit (zip bomb guard).
        case headerBlockTooLarge(limit: Int)
        /// A decompressed header block that is not a valid SPDY/3 name/value block.
        case invalidHeaderBlock(String)
        /// A stream identifier that is not allowed here (wrong parity, reused, zero).
        case invalidStreamID(String)
        /// A frame or action for a stream that is not open.
        case unknownStream
        /// A second SYN_REPLY, or a reply to a stream this side opened.
        case streamAlreadyReplied
        /// Data or headers after this side (or the peer) closed its half.
        case streamHalfClosed(String)
        /// An action on a peer-opened stream that needs SYN_REPLY first (spdystream drops data
        /// that arrives before the reply).
        case streamNotReplied
        /// A flow-control window pushed beyond 2^31 - 1, or data beyond the window granted.
        case flowControl(String)
        /// An action after GOAWAY forbade it.
        case goneAway
    }

    /// What was wrong.
    public var code: Code
    /// The stream the failure belongs to; `nil` for session errors.
    public var stream: SPDYStreamID?

    public init(_ code: Code, stream: SPDYStreamID? = nil) {
        self.code = code
        self.stream = stream
    }

    /// Whether only `stream` is affected (RST_STREAM) rather than the whole session (GOAWAY).
    public var isStreamError: Bool { stream != nil }

    public var description: String {
        let scope = stream.map { "SPDY \($0)" } ?? "SPDY session"
        switch code {
        case .unsupportedVersion(let version):
            return "\(scope): unsupported version \(version) (only SPDY/3 is spoken)"
        case .frameTooLarge(let length, let limit):
            return "\(scope): frame payload of \(length) bytes exceeds the limit of \(limit)"
        case .invalidFrame(let why):
            return "\(scope): invalid frame: \(why)"
        case .compression(let why):
            return "\(scope): header compression failed: \(why)"
        case .headerBlockTooLarge(let limit):
            return "\(scope): decompressed header block exceeds \(limit) bytes"
        case .invalidHeaderBlock(let why):
            return "\(scope): invalid header block: \(why)"
        case .invalidStreamID(let why):
            return "\(scope): invalid stream id: \(why)"
        case .unknownStream:
            return "\(scope): no such open stream"
        case .streamAlreadyReplied:
            return "\(scope): stream was already replied to"
        case .streamHalfClosed(let why):
            return "\(scope): \(why)"
        case .streamNotReplied:
            return "\(scope): SYN_REPLY must be sent before data on a stream the peer opened"
        case .flowControl(let why):
            return "\(scope): flow control: \(why)"
        case .goneAway:
            return "\(scope): GOAWAY was exchanged; no new streams"
        }
    }
}
