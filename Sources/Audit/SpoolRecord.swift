import Foundation

/// One entry of the spool: a chained event or a signed checkpoint, in chain order.
public enum SpoolRecord: Sendable, Hashable {
    /// A chained event: its link, its chain record (writer ‖ seq ‖ canonical event) and its bodies.
    case event(link: ChainLink, chainRecord: [UInt8], requestBody: Payload?, responseBody: Payload?)
    case checkpoint(Checkpoint)

    /// The chain position the record belongs to (a checkpoint's is the event it covers).
    public var seq: UInt64 {
        switch self {
        case .event(let link, _, _, _): return link.seq
        case .checkpoint(let cp): return cp.seq
        }
    }

    private static let eventTag: UInt8 = 1
    private static let checkpointTag: UInt8 = 2

    /// Appends the record as one frame, writing straight into `buffer` (the pipeline's queue):
    /// no intermediate array on the request path.
    func appendFramed(to buffer: inout [UInt8]) {
        let start = buffer.count
        var w = CanonicalByteWriter(reservingCapacity: 0)
        swap(&w.bytes, &buffer)
        w.write(UInt32(0))  // length and CRC, filled in below
        w.write(UInt32(0))
        encode(into: &w)
        swap(&w.bytes, &buffer)
        let payload = start + SpoolFrame.headerSize
        let length = UInt32(buffer.count - payload)
        let crc = buffer.withUnsafeBytes { crc32(UnsafeRawBufferPointer(rebasing: $0[payload...])) }
        for (i, value) in [length, crc].enumerated() {
            for b in 0..<4 { buffer[start + i * 4 + b] = UInt8(truncatingIfNeeded: value >> (24 - 8 * b)) }
        }
    }

    /// The record's bytes, before framing. The writer id is not repeated: the segment header has it.
    private func encode(into w: inout CanonicalByteWriter) {
        switch self {
        case .event(let link, let record, let request, let response):
            w.write(Self.eventTag)
            w.write(link.seq)
            w.write(bytes: link.prevHash)
            w.write(bytes: link.hash)
            w.write(UInt32(record.count))
            w.write(bytes: record)
            for body in [request, response] {
                if let body {
                    w.write(UInt8(1))
                    w.write(body.contentType)
                    w.write(UInt32(body.bytes.count))
                    w.write(bytes: body.bytes)
                } else {
                    w.write(UInt8(0))
                }
            }
        case .checkpoint(let cp):
            w.write(Self.checkpointTag)
            w.write(cp.seq)
            w.write(bytes: cp.headHash)
            w.write(cp.createdAt.microsecondsSince1970)
            w.write(UInt32(cp.signature.count))
            w.write(bytes: cp.signature)
        }
    }

    static func decode(_ bytes: [UInt8], writerID: String) throws -> SpoolRecord {
        var r = CanonicalByteReader(bytes)
        switch try r.readByte() {
        case eventTag:
            let seq = try r.read(UInt64.self)
            let prev = Array(try r.readBytes(32))
            let hash = Array(try r.readBytes(32))
            let record = Array(try r.readBytes(Int(try r.read(UInt32.self))))
            var bodies: [Payload?] = []
            for _ in 0..<2 {
                if try r.readPresence() {
                    let type = try r.readString()
                    bodies.append(Payload(contentType: type, bytes: Array(try r.readBytes(Int(try r.read(UInt32.self))))))
                } else {
                    bodies.append(nil)
                }
            }
            guard r.isAtEnd else { throw CanonicalDecodingError("trailing bytes in spool event record") }
            let link = ChainLink(writerID: writerID, seq: seq, prevHash: prev, hash: hash)
            return .event(link: link, chainRecord: record, requestBody: bodies[0], responseBody: bodies[1])
        case checkpointTag:
            let seq = try r.read(UInt64.self)
            let hash = Array(try r.readBytes(32))
            let time = Date(microsecondsSince1970: try r.read(Int64.self))
            let signature = Array(try r.readBytes(Int(try r.read(UInt32.self))))
            guard r.isAtEnd else { throw CanonicalDecodingError("trailing bytes in spool checkpoint record") }
            return .checkpoint(Checkpoint(writerID: writerID, seq: seq, headHash: hash, createdAt: time, signature: signature))
        case let tag:
            throw CanonicalDecodingError("unknown spool record tag \(tag)")
        }
    }
}

/// Length- and CRC-framing of spool records: `u32 length ‖ u32 crc32(payload) ‖ payload`.
///
/// A frame whose length runs past the end of the file, or whose CRC does not match, is torn:
/// recovery cuts the segment there.
enum SpoolFrame {
    static let headerSize = 8
    /// No single record may exceed this: a larger length field is corruption, not data.
    static let maximumPayload = 64 << 20

    static func append(_ payload: [UInt8], to buffer: inout [UInt8]) {
        var w = CanonicalByteWriter(reservingCapacity: 8)
        w.write(UInt32(payload.count))
        w.write(payload.withUnsafeBytes { crc32($0) })
        buffer.append(contentsOf: w.bytes)
        buffer.append(contentsOf: payload)
    }

    enum Parse: Equatable {
        case frame(payload: Range<Int>, next: Int)
        /// More bytes are needed (at the end of a file: a torn frame).
        case incomplete
        case corrupt(String)
    }

    static func parse(_ buffer: UnsafeRawBufferPointer, at offset: Int) -> Parse {
        guard buffer.count - offset >= headerSize else { return .incomplete }
        let length = Int(readUInt32(buffer, offset))
        let crc = readUInt32(buffer, offset + 4)
        guard length <= maximumPayload else { return .corrupt("frame length \(length) exceeds the maximum") }
        guard buffer.count - offset - headerSize >= length else { return .incomplete }
        let start = offset + headerSize
        let payload = UnsafeRawBufferPointer(rebasing: buffer[start..<start + length])
        guard crc32(payload) == crc else { return .corrupt("CRC mismatch") }
        return .frame(payload: start..<start + length, next: start + length)
    }

    private static func readUInt32(_ buffer: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        (UInt32(buffer[offset]) << 24) | (UInt32(buffer[offset + 1]) << 16) | (UInt32(buffer[offset + 2]) << 8) | UInt32(buffer[offset + 3])
    }
}
