import NIOCore

/// Splits a SPDY/3.1 byte stream into frames, incrementally, inflating header blocks.
///
/// Feed bytes as they arrive (`append`), then call `nextFrame()` until it returns `nil`.
/// Bytes may be split anywhere: a TCP segment boundary, or a WebSocket message boundary
/// when SPDY is tunnelled (spdystream writes each frame field by field, so one frame
/// commonly spans several messages). One parser per direction per session: it owns that
/// direction's zlib stream.
///
/// Buffering is bounded: a frame's length is checked against `maximumFramePayload` as soon
/// as its 8-byte header is in, and unknown control frames are discarded as they arrive.
///
/// Errors: a *stream* error (`error.isStreamError`) consumed its frame and parsing can go on;
/// a *session* error is sticky, every later call throws it again.
public final class SPDYFrameParser {
    /// Limits on what one frame may make this parser hold.
    public struct Limits: Sendable {
        /// The largest frame payload accepted (after the 8-byte header). Kubernetes clients
        /// write at most 32 KiB of data per frame (Go's io.Copy buffer).
        public var maximumFramePayload: Int
        /// The largest decompressed header block accepted.
        public var maximumHeaderBlockSize: Int

        public init(maximumFramePayload: Int = 1 << 20, maximumHeaderBlockSize: Int = 256 * 1024) {
            self.maximumFramePayload = min(maximumFramePayload, SPDYFrame.maximumPayloadLength)
            self.maximumHeaderBlockSize = maximumHeaderBlockSize
        }
    }

    public let limits: Limits
    private let decompressor: SPDYHeaderDecompressor
    private var buffer: ByteBuffer
    /// Payload bytes of an ignored (unknown type) control frame still to be discarded.
    private var skipping = 0
    private var failure: SPDYError?

    public init(limits: Limits = Limits()) throws(SPDYError) {
        self.limits = limits
        self.decompressor = try SPDYHeaderDecompressor(maximumBlockSize: limits.maximumHeaderBlockSize)
        self.buffer = ByteBufferAllocator().buffer(capacity: 0)
    }

    private init(copying other: SPDYFrameParser) throws(SPDYError) {
        limits = other.limits
        decompressor = try other.decompressor.copy()
        buffer = other.buffer
        skipping = other.skipping
        failure = other.failure
    }

    /// An independent parser in exactly this one's state (buffered bytes, zlib stream, failure),
    /// for owners with value semantics that must copy on write.
    public func copy() throws(SPDYError) -> SPDYFrameParser {
        try SPDYFrameParser(copying: self)
    }

    /// Bytes held that do not yet form a whole frame.
    public var bufferedBytes: Int { buffer.readableBytes }

    /// Adds received bytes.
    public func append(_ bytes: ByteBuffer) {
        var bytes = bytes
        if skipping > 0 {
            let dropped = min(skipping, bytes.readableBytes)
            bytes.moveReaderIndex(forwardBy: dropped)
            skipping -= dropped
        }
        guard bytes.readableBytes > 0 else { return }
        if buffer.readableBytes == 0 {
            buffer = bytes
        } else {
            if buffer.readerIndex >= 64 * 1024 { buffer.discardReadBytes() }
            buffer.writeImmutableBuffer(bytes)
        }
    }

    /// The next complete frame, or `nil` when more bytes are needed.
    public func nextFrame() throws(SPDYError) -> SPDYFrame? {
        if let failure { throw failure }
        do {
            return try parseNext()
        } catch {
            if !error.isStreamError { failure = error }
            throw error
        }
    }

    private func parseNext() throws(SPDYError) -> SPDYFrame? {
        while true {
            if skipping > 0 {
                let dropped = min(skipping, buffer.readableBytes)
                buffer.moveReaderIndex(forwardBy: dropped)
                skipping -= dropped
                if skipping > 0 { return nil }
            }
            guard let word0 = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self),
                let word1 = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt32.self)
            else { return nil }
            let flags = UInt8(word1 >> 24)
            let length = Int(word1 & 0xFF_FFFF)

            guard word0 & 0x8000_0000 != 0 else {
                return try parseData(stream: SPDYStreamID(word0), flags: flags, length: length)
            }
            let version = UInt16((word0 >> 16) & 0x7FFF)
            guard version == SPDYFrame.version else {
                throw SPDYError(.unsupportedVersion(version))
            }
            guard let type = SPDYFrame.ControlType(rawValue: UInt16(word0 & 0xFFFF)) else {
                // Unknown control frame: the spec says ignore it. Discard without buffering.
                buffer.moveReaderIndex(forwardBy: SPDYFrame.headerLength)
                skipping = length
                continue
            }
            guard length <= limits.maximumFramePayload else {
                throw SPDYError(.frameTooLarge(length: length, limit: limits.maximumFramePayload))
            }
            guard buffer.readableBytes >= SPDYFrame.headerLength + length else { return nil }
            buffer.moveReaderIndex(forwardBy: SPDYFrame.headerLength)
            let payload = buffer.readSlice(length: length)!
            return try parseControl(type, flags: flags, payload: payload)
        }
    }

    private func parseData(stream: SPDYStreamID, flags: UInt8, length: Int) throws(SPDYError) -> SPDYFrame? {
        guard length <= limits.maximumFramePayload else {
            throw SPDYError(.frameTooLarge(length: length, limit: limits.maximumFramePayload))
        }
        guard stream != .session else {
            throw SPDYError(.invalidFrame("DATA frame on stream 0"))
        }
        guard buffer.readableBytes >= SPDYFrame.headerLength + length else { return nil }
        buffer.moveReaderIndex(forwardBy: SPDYFrame.headerLength)
        let payload = buffer.readSlice(length: length)!
        return .data(.init(stream: stream, payload: payload, fin: flags & SPDYFrame.flagFin != 0))
    }

    private func parseControl(_ type: SPDYFrame.ControlType, flags: UInt8, payload: ByteBuffer) throws(SPDYError) -> SPDYFrame {
        var payload = payload
        let fin = flags & SPDYFrame.flagFin != 0
        switch type {
        case .synStream:
            guard payload.readableBytes >= 10 else { throw Self.tooShort("SYN_STREAM", payload, 10) }
            let stream = SPDYStreamID(payload.readInteger(as: UInt32.self)!)
            let associated = SPDYStreamID(payload.readInteger(as: UInt32.self)!)
            let priority = payload.readInteger(as: UInt8.self)! >> 5
            let slot = payload.readInteger(as: UInt8.self)!
            // Inflate before judging the ids: the zlib stream must advance either way.
            let headers = try headerBlock(payload, stream: stream)
            guard stream != .session else { throw SPDYError(.invalidFrame("SYN_STREAM for stream 0")) }
            return .synStream(.init(
                stream: stream, associatedTo: associated, priority: priority, slot: slot, fin: fin,
                unidirectional: flags & SPDYFrame.flagUnidirectional != 0, headers: headers))
        case .synReply, .headers:
            let name = type == .synReply ? "SYN_REPLY" : "HEADERS"
            guard payload.readableBytes >= 4 else { throw Self.tooShort(name, payload, 4) }
            let stream = SPDYStreamID(payload.readInteger(as: UInt32.self)!)
            let headers = try headerBlock(payload, stream: stream)
            guard stream != .session else { throw SPDYError(.invalidFrame("\(name) for stream 0")) }
            if type == .synReply { return .synReply(.init(stream: stream, fin: fin, headers: headers)) }
            return .headers(.init(stream: stream, fin: fin, headers: headers))
        case .rstStream:
            guard payload.readableBytes == 8 else { throw Self.wrongLength("RST_STREAM", payload, 8) }
            let stream = SPDYStreamID(payload.readInteger(as: UInt32.self)!)
            let status = SPDYResetStatus(rawValue: payload.readInteger(as: UInt32.self)!)
            guard stream != .session else { throw SPDYError(.invalidFrame("RST_STREAM for stream 0")) }
            guard status.rawValue != 0 else {
                throw SPDYError(.invalidFrame("RST_STREAM with status 0"), stream: stream)
            }
            return .rstStream(.init(stream: stream, status: status))
        case .settings:
            guard let count = payload.readInteger(as: UInt32.self) else { throw Self.tooShort("SETTINGS", payload, 4) }
            guard Int(count) == payload.readableBytes / 8, payload.readableBytes % 8 == 0 else {
                throw SPDYError(.invalidFrame("SETTINGS claims \(count) entries in \(payload.readableBytes) bytes"))
            }
            var entries: [SPDYSetting] = []
            entries.reserveCapacity(Int(count))
            for _ in 0..<count {
                let flagsAndID = payload.readInteger(as: UInt32.self)!
                let value = payload.readInteger(as: UInt32.self)!
                entries.append(SPDYSetting(id: SPDYSettingID(rawValue: flagsAndID), value: value, flags: UInt8(flagsAndID >> 24)))
            }
            return .settings(.init(clearPersisted: flags & SPDYFrame.flagClearSettings != 0, entries: entries))
        case .ping:
            guard payload.readableBytes == 4 else { throw Self.wrongLength("PING", payload, 4) }
            return .ping(.init(id: payload.readInteger(as: UInt32.self)!))
        case .goAway:
            guard payload.readableBytes == 8 else { throw Self.wrongLength("GOAWAY", payload, 8) }
            let last = SPDYStreamID(payload.readInteger(as: UInt32.self)!)
            let status = SPDYGoAwayStatus(rawValue: payload.readInteger(as: UInt32.self)!)
            return .goAway(.init(lastGoodStream: last, status: status))
        case .windowUpdate:
            guard payload.readableBytes == 8 else { throw Self.wrongLength("WINDOW_UPDATE", payload, 8) }
            let stream = SPDYStreamID(payload.readInteger(as: UInt32.self)!)
            let delta = payload.readInteger(as: UInt32.self)! & 0x7FFF_FFFF
            return .windowUpdate(.init(stream: stream, delta: delta))
        }
    }

    /// Inflates and decodes a header block. Zlib trouble is a session error; a well-inflated
    /// but malformed block only costs its stream.
    private func headerBlock(_ compressed: ByteBuffer, stream: SPDYStreamID) throws(SPDYError) -> SPDYHeaderBlock {
        // Lenient like a zero-length block never touching zlib: nothing sent, no headers.
        guard compressed.readableBytes > 0 else { return SPDYHeaderBlock() }
        let plain = try decompressor.decompress(compressed)
        do {
            return try SPDYHeaderBlock.decode(plain)
        } catch {
            throw SPDYError(error.code, stream: stream == .session ? nil : stream)
        }
    }

    private static func tooShort(_ name: String, _ payload: ByteBuffer, _ minimum: Int) -> SPDYError {
        SPDYError(.invalidFrame("\(name) payload of \(payload.readableBytes) bytes is shorter than \(minimum)"))
    }

    private static func wrongLength(_ name: String, _ payload: ByteBuffer, _ expected: Int) -> SPDYError {
        SPDYError(.invalidFrame("\(name) payload must be \(expected) bytes, not \(payload.readableBytes)"))
    }
}
