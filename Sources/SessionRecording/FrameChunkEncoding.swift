/// The stored form of a chunk's frames (before the audit store's own zlib compression): a
/// compact binary encoding, versioned by a leading byte.
///
/// Version 1:
///
///     chunk  = 0x01, count, frame × count            (nothing may follow)
///     frame  = delta, tag, [port], length, bytes
///     count  = varint: the number of frames
///     delta  = zig-zag varint: this frame's offset minus the previous one's (the first's
///              minus 0), wrapping, so that any Int64 offsets round-trip
///     tag    = 1 byte: bits 0-5 the `SessionStream` raw value, bit 6 set when the frame came
///              from the cluster, bit 7 set when a port follows
///     port   = 2 bytes, big-endian
///     length = varint: the number of bytes that follow
///     varint = unsigned LEB128, at most 10 bytes (64 bits)
///
/// A keystroke costs 4 bytes besides itself; deltas stay small because frames are close in
/// time. Decoding checks every length against what is left before allocating anything, and
/// refuses unknown versions, streams and tag bits, truncation and trailing bytes.
public enum FrameChunkEncoding {
    /// The version this code writes.
    public static let version: UInt8 = 1
    /// The media type of a chunk event's stored frames, for this version.
    public static let contentType = "application/vnd.kubetrail.session-frames; version=1"

    private static let fromClusterBit: UInt8 = 0x40
    private static let portBit: UInt8 = 0x80
    private static let streamBits: UInt8 = 0x3F

    /// Encodes frames in order.
    public static func encode(_ frames: [SessionFrame]) -> [UInt8] {
        var out: [UInt8] = [version]
        out.reserveCapacity(16 + frames.reduce(0) { $0 + $1.bytes.count + 6 })
        writeVarint(UInt64(frames.count), to: &out)
        var previous: Int64 = 0
        for frame in frames {
            writeVarint(zigZag(frame.offset &- previous), to: &out)
            previous = frame.offset
            var tag = frame.stream.rawValue
            if frame.direction == .fromCluster { tag |= fromClusterBit }
            if frame.port != nil { tag |= portBit }
            out.append(tag)
            if let port = frame.port {
                out.append(UInt8(port >> 8))
                out.append(UInt8(truncatingIfNeeded: port))
            }
            writeVarint(UInt64(frame.bytes.count), to: &out)
            out.append(contentsOf: frame.bytes)
        }
        return out
    }

    /// Decodes what `encode` wrote; throws on anything else.
    public static func decode(_ bytes: [UInt8]) throws(FrameChunkDecodingError) -> [SessionFrame] {
        var reader = Reader(bytes: bytes)
        let version = try reader.byte("version")
        guard version == Self.version else {
            throw FrameChunkDecodingError(position: 0, reason: "unknown version \(version)")
        }
        let count = try reader.varint("frame count")
        // Every frame takes at least 3 bytes: trust the count only that far.
        guard count <= UInt64(reader.remaining / 3) else {
            throw FrameChunkDecodingError(position: 1, reason: "\(count) frames cannot fit in \(reader.remaining) bytes")
        }
        var frames: [SessionFrame] = []
        frames.reserveCapacity(Int(count))
        var previous: Int64 = 0
        for _ in 0..<count {
            let offset = previous &+ unZigZag(try reader.varint("offset"))
            previous = offset
            let tagPosition = reader.position
            let tag = try reader.byte("tag")
            guard let stream = SessionStream(rawValue: tag & streamBits) else {
                throw FrameChunkDecodingError(position: tagPosition, reason: "unknown stream \(tag & streamBits)")
            }
            var port: UInt16?
            if tag & portBit != 0 {
                port = UInt16(try reader.byte("port")) << 8 | UInt16(try reader.byte("port"))
            }
            let lengthPosition = reader.position
            let length = try reader.varint("length")
            guard length <= UInt64(reader.remaining) else {
                throw FrameChunkDecodingError(position: lengthPosition, reason: "frame of \(length) bytes, \(reader.remaining) left")
            }
            frames.append(SessionFrame(
                offset: offset, stream: stream, port: port, bytes: reader.take(Int(length)),
                direction: tag & fromClusterBit != 0 ? .fromCluster : .fromClient))
        }
        guard reader.remaining == 0 else {
            throw FrameChunkDecodingError(position: reader.position, reason: "\(reader.remaining) bytes after the last frame")
        }
        return frames
    }

    /// The bytes `frame` adds to an encoding when it follows a frame at `previousOffset`.
    static func encodedSize(of frame: SessionFrame, after previousOffset: Int64) -> Int {
        varintSize(zigZag(frame.offset &- previousOffset)) + 1 + (frame.port == nil ? 0 : 2)
            + varintSize(UInt64(frame.bytes.count)) + frame.bytes.count
    }

    static func zigZag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }

    static func unZigZag(_ value: UInt64) -> Int64 {
        Int64(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
    }

    private static func writeVarint(_ value: UInt64, to out: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
    }

    private static func varintSize(_ value: UInt64) -> Int {
        max(1, (64 - value.leadingZeroBitCount + 6) / 7)
    }

    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        var remaining: Int { bytes.count - position }

        mutating func byte(_ what: String) throws(FrameChunkDecodingError) -> UInt8 {
            guard position < bytes.count else {
                throw FrameChunkDecodingError(position: position, reason: "truncated at the \(what)")
            }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func varint(_ what: String) throws(FrameChunkDecodingError) -> UInt64 {
            let start = position
            var value: UInt64 = 0
            for shift in stride(from: 0, to: 70, by: 7) {
                let byte = try self.byte(what)
                if shift == 63, byte > 1 {
                    throw FrameChunkDecodingError(position: start, reason: "\(what) does not fit in 64 bits")
                }
                value |= UInt64(byte & 0x7F) << UInt64(shift)
                if byte & 0x80 == 0 { return value }
            }
            throw FrameChunkDecodingError(position: start, reason: "\(what) does not fit in 64 bits")
        }

        mutating func take(_ count: Int) -> [UInt8] {
            defer { position += count }
            return Array(bytes[position..<(position + count)])
        }
    }
}

/// Why bytes are not a `FrameChunkEncoding`.
public struct FrameChunkDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where in the bytes it went wrong.
    public var position: Int
    public var reason: String

    public var description: String { "frame chunk invalid at byte \(position): \(reason)" }
}
