import CZlib
import NIOCore

/// The compressing half of SPDY/3 header compression: one zlib stream for everything this
/// side sends on a session, preset with the SPDY dictionary and sync-flushed after each
/// header block, so the peer can inflate each block as soon as its frame arrives.
///
/// Not thread-safe: one owner (the session's serializer) at a time.
public final class SPDYHeaderCompressor {
    // Heap-allocated so zlib's internal back-pointer to the stream never moves.
    private let stream: UnsafeMutablePointer<z_stream>

    /// Starts the session's zlib stream; `level` as zlib's (spdystream uses 9).
    public init(level: Int32 = 9) throws(SPDYError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        var rc = kubetrail_deflateInit2(stream, level, 15, 8)
        guard rc == Z_OK else {
            stream.deallocate()
            throw SPDYError(.compression("deflateInit2 returned \(rc)"))
        }
        rc = SPDYHeaderDictionary.bytes.withUnsafeBufferPointer {
            deflateSetDictionary(stream, $0.baseAddress, uInt($0.count))
        }
        guard rc == Z_OK else {
            deflateEnd(stream)
            stream.deallocate()
            throw SPDYError(.compression("deflateSetDictionary returned \(rc)"))
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Compresses one header block and appends it, sync-flushed, to `output`.
    public func compress(_ block: SPDYHeaderBlock, into output: inout ByteBuffer) throws(SPDYError) {
        var plain = ByteBufferAllocator().buffer(capacity: 64)
        block.encode(into: &plain)
        try compress(bytes: plain, into: &output)
    }

    /// Compresses raw bytes (an encoded block) and appends them, sync-flushed, to `output`.
    public func compress(bytes plain: ByteBuffer, into output: inout ByteBuffer) throws(SPDYError) {
        let stream = self.stream
        var failure: Int32? = nil
        plain.withUnsafeReadableBytes { input in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
            stream.pointee.avail_in = uInt(input.count)
            defer { stream.pointee.next_in = nil }
            // Loop until zlib leaves output space unused: then everything is flushed.
            while true {
                var rc: Int32 = Z_OK
                var filled = false
                output.writeWithUnsafeMutableBytes(minimumWritableBytes: input.count + 64) { out in
                    stream.pointee.next_out = out.bindMemory(to: Bytef.self).baseAddress
                    stream.pointee.avail_out = uInt(out.count)
                    rc = deflate(stream, Z_SYNC_FLUSH)
                    let produced = out.count - Int(stream.pointee.avail_out)
                    filled = stream.pointee.avail_out == 0
                    stream.pointee.next_out = nil
                    return produced
                }
                if rc != Z_OK && rc != Z_BUF_ERROR {
                    failure = rc
                    return
                }
                if !filled && stream.pointee.avail_in == 0 { return }
            }
        }
        if let failure {
            throw SPDYError(.compression("deflate returned \(failure)"))
        }
    }
}

/// The inflating half of SPDY/3 header compression: one zlib stream for everything the peer
/// sends on a session. Supplies the SPDY dictionary when the stream asks for it and refuses
/// output beyond `maximumBlockSize` per block (a zip bomb must not exhaust memory).
///
/// Not thread-safe: one owner (the session's parser) at a time.
public final class SPDYHeaderDecompressor {
    private let stream: UnsafeMutablePointer<z_stream>
    /// The most decompressed bytes one header block may produce.
    public let maximumBlockSize: Int
    private var broken: SPDYError?

    public init(maximumBlockSize: Int = 256 * 1024) throws(SPDYError) {
        self.maximumBlockSize = maximumBlockSize
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let rc = kubetrail_inflateInit2(stream, 15)
        guard rc == Z_OK else {
            stream.deallocate()
            throw SPDYError(.compression("inflateInit2 returned \(rc)"))
        }
    }

    /// A decompressor in exactly `other`'s state (zlib's `inflateCopy`): the same window and
    /// position, so both inflate the rest of the peer's stream alike.
    private init(copying other: SPDYHeaderDecompressor) throws(SPDYError) {
        maximumBlockSize = other.maximumBlockSize
        broken = other.broken
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let rc = inflateCopy(stream, other.stream)
        guard rc == Z_OK else {
            stream.deallocate()
            throw SPDYError(.compression("inflateCopy returned \(rc)"))
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// An independent copy of this decompressor's state, for owners with value semantics.
    public func copy() throws(SPDYError) -> SPDYHeaderDecompressor {
        try SPDYHeaderDecompressor(copying: self)
    }

    /// Inflates one frame's compressed header block; it must inflate completely.
    ///
    /// Any failure leaves the zlib stream unusable (its state is shared by all later blocks),
    /// so every later call rethrows the first failure.
    public func decompress(_ compressed: ByteBuffer) throws(SPDYError) -> ByteBuffer {
        if let broken { throw broken }
        var output = ByteBufferAllocator().buffer(capacity: min(maximumBlockSize, max(256, compressed.readableBytes * 4)))
        do {
            try inflate(compressed, into: &output)
        } catch {
            broken = error
            throw error
        }
        return output
    }

    private func inflate(_ compressed: ByteBuffer, into output: inout ByteBuffer) throws(SPDYError) {
        let stream = self.stream
        let limit = maximumBlockSize
        let result: SPDYError? = compressed.withUnsafeReadableBytes { input -> SPDYError? in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
            stream.pointee.avail_in = uInt(input.count)
            defer { stream.pointee.next_in = nil }
            while true {
                var rc: Int32 = Z_OK
                var filled = false
                // One byte more than allowed, so "exactly at the limit" and "beyond" differ.
                let allowance = limit + 1 - output.readableBytes
                output.writeWithUnsafeMutableBytes(minimumWritableBytes: min(allowance, 4096)) { out in
                    let space = min(out.count, allowance)
                    stream.pointee.next_out = out.bindMemory(to: Bytef.self).baseAddress
                    stream.pointee.avail_out = uInt(space)
                    rc = CZlib.inflate(stream, Z_SYNC_FLUSH)
                    filled = stream.pointee.avail_out == 0
                    stream.pointee.next_out = nil
                    return space - Int(stream.pointee.avail_out)
                }
                if output.readableBytes > limit {
                    return SPDYError(.headerBlockTooLarge(limit: limit))
                }
                switch rc {
                case Z_NEED_DICT:
                    let wanted = UInt32(truncatingIfNeeded: stream.pointee.adler)
                    guard wanted == SPDYHeaderDictionary.adler32 else {
                        return SPDYError(.compression(
                            "peer compressed with dictionary id \(hex(wanted)), not the SPDY/3 dictionary \(hex(SPDYHeaderDictionary.adler32))"))
                    }
                    let set = SPDYHeaderDictionary.bytes.withUnsafeBufferPointer {
                        inflateSetDictionary(stream, $0.baseAddress, uInt($0.count))
                    }
                    guard set == Z_OK else { return SPDYError(.compression("inflateSetDictionary returned \(set)")) }
                case Z_OK:
                    if stream.pointee.avail_in == 0 && !filled { return nil }
                case Z_BUF_ERROR:
                    // No progress possible: fine once all input is consumed and flushed.
                    if stream.pointee.avail_in == 0 { return nil }
                    return SPDYError(.compression("inflate made no progress with \(stream.pointee.avail_in) bytes left"))
                case Z_STREAM_END:
                    return SPDYError(.compression("peer ended its header zlib stream"))
                default:
                    let message = stream.pointee.msg.map { String(cString: $0) } ?? "code \(rc)"
                    return SPDYError(.compression("inflate failed: \(message)"))
                }
            }
        }
        if let result { throw result }
    }
}

private func hex(_ value: UInt32) -> String {
    "0x" + String(value, radix: 16, uppercase: true)
}
