import NIOCore

/// What a client's data message means to the server.
public enum RemoteCommandInbound: Equatable, Sendable {
    /// Bytes for `stream` (a chunk: a fragmented message yields one chunk per frame).
    case data(RemoteCommandStream, ByteBuffer)
    /// v5 CLOSE signal: the client will send nothing more on `stream`.
    case close(RemoteCommandStream)
}

/// A client message the protocol does not allow; Kubernetes ends the connection on these.
public enum RemoteCommandMessageError: Error, Equatable, CustomStringConvertible {
    /// A CLOSE signal must be exactly `[255, channel]`; this one had `length` bytes after 255.
    case malformedCloseSignal(length: Int)
    /// A CLOSE signal named a channel that does not exist.
    case closeOfUnknownChannel(UInt8)
    /// A continuation frame arrived with no message under way.
    case continuationWithoutMessage
    /// A new message started before the previous one's final frame.
    case messageInterrupted

    public var description: String {
        switch self {
        case .malformedCloseSignal(let length):
            return "close signal must be followed by exactly one channel byte, got \(length)"
        case .closeOfUnknownChannel(let channel):
            return "close signal for unknown channel \(channel)"
        case .continuationWithoutMessage:
            return "continuation frame without a message in progress"
        case .messageInterrupted:
            return "new data message before the previous message was finished"
        }
    }
}

/// Turns the data frames a client sends into channel events, frame by frame.
///
/// Pure state machine (no I/O), the same rules as Kubernetes' `wsstream.Conn`: the first byte
/// of a message names the channel; empty messages and channels above 4 are ignored; under v5 a
/// message starting with 255 is the CLOSE signal and must be exactly two bytes. Fragmented
/// messages are handled without buffering the data: every frame's bytes are emitted as soon
/// as the channel is known.
public struct RemoteCommandMessageParser: Sendable {
    private enum State: Sendable {
        case idle
        /// A message has started but no byte of it has arrived yet.
        case awaitingChannel
        /// Inside a message for `channel` (which may be unknown: its bytes are dropped).
        case data(channel: UInt8)
        /// Inside a CLOSE signal: `count` bytes after 255 so far, the first of them `first`.
        case closeSignal(count: Int, first: UInt8?)
    }

    private var state: State = .idle
    /// The protocol the parser follows (it decides whether 255 is a CLOSE signal).
    public let remoteCommandProtocol: RemoteCommandProtocol

    public init(protocol remoteCommandProtocol: RemoteCommandProtocol) {
        self.remoteCommandProtocol = remoteCommandProtocol
    }

    /// Whether a message is under way (its final frame not yet seen).
    public var isInsideMessage: Bool {
        if case .idle = self.state { return false }
        return true
    }

    /// Parses one data frame (text, binary or continuation; text is treated as binary, as
    /// Kubernetes does).
    ///
    /// - Parameters:
    ///   - payload: the unmasked frame payload.
    ///   - isContinuation: the frame's opcode was `continuation`.
    ///   - isFinal: the frame had FIN set.
    /// - Returns: the event this frame completes, if any.
    public mutating func parseFrame(
        _ payload: ByteBuffer,
        isContinuation: Bool,
        isFinal: Bool
    ) throws -> RemoteCommandInbound? {
        var payload = payload
        if isContinuation {
            guard self.isInsideMessage else { throw RemoteCommandMessageError.continuationWithoutMessage }
        } else {
            guard !self.isInsideMessage else { throw RemoteCommandMessageError.messageInterrupted }
            self.state = .awaitingChannel
        }

        var event: RemoteCommandInbound? = nil
        switch self.state {
        case .idle:
            preconditionFailure("unreachable: a frame always starts or continues a message")
        case .awaitingChannel:
            if let channel = payload.readInteger(as: UInt8.self) {
                if channel == RemoteCommandStream.closeSignal && self.remoteCommandProtocol.supportsStreamClose {
                    self.state = .closeSignal(count: 0, first: nil)
                    event = try self.continueCloseSignal(payload, isFinal: isFinal)
                } else {
                    self.state = .data(channel: channel)
                    event = Self.dataEvent(channel: channel, payload)
                }
            }
        case .data(let channel):
            event = Self.dataEvent(channel: channel, payload)
        case .closeSignal:
            event = try self.continueCloseSignal(payload, isFinal: isFinal)
        }

        if isFinal {
            if case .closeSignal(let count, let first) = self.state {
                self.state = .idle
                guard count == 1, let channel = first else {
                    throw RemoteCommandMessageError.malformedCloseSignal(length: count)
                }
                guard let stream = RemoteCommandStream(rawValue: channel) else {
                    throw RemoteCommandMessageError.closeOfUnknownChannel(channel)
                }
                return .close(stream)
            }
            self.state = .idle
        }
        return event
    }

    private mutating func continueCloseSignal(_ payload: ByteBuffer, isFinal: Bool) throws -> RemoteCommandInbound? {
        guard case .closeSignal(let count, let first) = self.state else { return nil }
        let newCount = count + payload.readableBytes
        let newFirst = first ?? payload.getInteger(at: payload.readerIndex, as: UInt8.self)
        if newCount > 1 {
            // Do not wait for the final frame: the message is already wrong.
            self.state = .idle
            throw RemoteCommandMessageError.malformedCloseSignal(length: newCount)
        }
        self.state = .closeSignal(count: newCount, first: newFirst)
        return nil
    }

    private static func dataEvent(channel: UInt8, _ payload: ByteBuffer) -> RemoteCommandInbound? {
        guard payload.readableBytes > 0, let stream = RemoteCommandStream(rawValue: channel) else { return nil }
        return .data(stream, payload)
    }
}
