import CZlib

/// A zlib failure, with zlib's own message.
public struct ZlibError: Error, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public var description: String { "zlib error \(code): \(message)" }
}

/// A deflate stream kept for reuse: `deflateReset` per message instead of a fresh `deflateInit`.
///
/// A fresh stream allocates ~270 KiB and dominates the cost of compressing a small event; a
/// reset keeps the allocation. With a preset dictionary (`CompressionDictionary`) small
/// events compress about as well as a batch would, yet each one stays independently readable.
/// Not thread-safe: one owner at a time.
public final class ZlibCompressor {
    private var stream = z_stream()
    private let dictionary: CompressionDictionary?

    public init(level: Int32 = 6, dictionary: CompressionDictionary? = .standard) throws {
        self.dictionary = dictionary
        let rc = kubetrail_deflateInit2(&stream, level, 15, 8)
        guard rc == Z_OK else { throw ZlibError(code: rc, message: "deflateInit2 failed") }
    }

    deinit { deflateEnd(&stream) }

    /// Compresses one message into a self-contained zlib stream.
    public func compress(_ input: [UInt8]) throws -> [UInt8] {
        var rc = deflateReset(&stream)
        guard rc == Z_OK else { throw error(rc) }
        if let dictionary {
            rc = dictionary.bytes.withUnsafeBufferPointer {
                deflateSetDictionary(&stream, $0.baseAddress, uInt($0.count))
            }
            guard rc == Z_OK else { throw error(rc) }
        }
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let produced: Int = try input.withUnsafeBufferPointer { inBuf in
            try output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                let rc = deflate(&stream, Z_FINISH)
                stream.next_in = nil
                stream.next_out = nil
                guard rc == Z_STREAM_END else { throw error(rc) }
                return outBuf.count - Int(stream.avail_out)
            }
        }
        output.removeSubrange(produced...)
        return output
    }

    private func error(_ rc: Int32) -> ZlibError {
        ZlibError(code: rc, message: stream.msg.map { String(cString: $0) } ?? "deflate")
    }
}

/// The inverse of `ZlibCompressor`; supplies the preset dictionary a stream asks for by id.
public final class ZlibDecompressor {
    private var stream = z_stream()
    /// Refuses output beyond this many bytes: a stored zlib bomb must not exhaust memory.
    public let maximumOutput: Int

    public init(maximumOutput: Int = 1 << 30) throws {
        self.maximumOutput = maximumOutput
        let rc = kubetrail_inflateInit2(&stream, 15)
        guard rc == Z_OK else { throw ZlibError(code: rc, message: "inflateInit2 failed") }
    }

    deinit { inflateEnd(&stream) }

    public func decompress(_ input: [UInt8]) throws -> [UInt8] {
        var rc = inflateReset(&stream)
        guard rc == Z_OK else { throw error(rc) }
        var output = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: max(4096, input.count * 4))
        try input.withUnsafeBufferPointer { inBuf in
            stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            stream.avail_in = uInt(inBuf.count)
            defer { stream.next_in = nil }
            while true {
                let (code, produced): (Int32, Int) = chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    let code = inflate(&stream, Z_NO_FLUSH)
                    stream.next_out = nil
                    return (code, outBuf.count - Int(stream.avail_out))
                }
                output.append(contentsOf: chunk[0..<produced])
                guard output.count <= maximumOutput else {
                    throw ZlibError(code: Z_BUF_ERROR, message: "output exceeds \(maximumOutput) bytes")
                }
                switch code {
                case Z_STREAM_END:
                    return
                case Z_OK:
                    continue
                case Z_NEED_DICT:
                    let id = UInt32(stream.adler)
                    guard let dictionary = CompressionDictionary.known(id: id) else {
                        throw ZlibError(code: code, message: "unknown preset dictionary \(id)")
                    }
                    rc = dictionary.bytes.withUnsafeBufferPointer {
                        inflateSetDictionary(&stream, $0.baseAddress, uInt($0.count))
                    }
                    guard rc == Z_OK else { throw error(rc) }
                case Z_BUF_ERROR where stream.avail_in == 0:
                    throw ZlibError(code: code, message: "truncated zlib stream")
                default:
                    throw error(code)
                }
            }
        }
        return output
    }

    private func error(_ rc: Int32) -> ZlibError {
        ZlibError(code: rc, message: stream.msg.map { String(cString: $0) } ?? "inflate")
    }
}

/// CRC-32 (zlib's, IEEE polynomial) of the spool's record frames.
public func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    UInt32(CZlib.crc32(0, bytes.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(bytes.count)))
}
