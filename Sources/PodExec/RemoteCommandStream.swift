import NIOCore

/// A channel of the remote command protocol: the first byte of every WebSocket data message.
///
/// The numbers are Kubernetes' (`k8s.io/apimachinery/pkg/util/remotecommand`): stdin, stdout and
/// stderr match their POSIX descriptors; 3 carries the final status; 4 carries terminal sizes
/// from the client. 255 is not a stream but the v5 CLOSE signal (see `closeSignal`).
public enum RemoteCommandStream: UInt8, Sendable, CaseIterable {
    case stdin = 0
    case stdout = 1
    case stderr = 2
    case error = 3
    case resize = 4

    /// The v5 CLOSE signal: a message `[255, channel]` half-closes `channel`.
    public static let closeSignal: UInt8 = 255
}

/// Builds the payloads of outbound WebSocket binary messages.
public enum RemoteCommandMessage {
    /// A data message: the channel byte followed by `bytes`.
    public static func data(
        _ bytes: ByteBuffer,
        on stream: RemoteCommandStream,
        allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        var message = allocator.buffer(capacity: bytes.readableBytes + 1)
        message.writeInteger(stream.rawValue)
        message.writeImmutableBuffer(bytes)
        return message
    }

    /// A data message built from raw bytes.
    public static func data<Bytes: Sequence>(
        bytes: Bytes,
        on stream: RemoteCommandStream,
        allocator: ByteBufferAllocator
    ) -> ByteBuffer where Bytes.Element == UInt8 {
        var message = allocator.buffer(capacity: 1 + bytes.underestimatedCount)
        message.writeInteger(stream.rawValue)
        message.writeBytes(bytes)
        return message
    }

    /// The v5 CLOSE signal for `stream`: `[255, stream]`.
    public static func close(_ stream: RemoteCommandStream, allocator: ByteBufferAllocator) -> ByteBuffer {
        var message = allocator.buffer(capacity: 2)
        message.writeInteger(RemoteCommandStream.closeSignal)
        message.writeInteger(stream.rawValue)
        return message
    }
}
