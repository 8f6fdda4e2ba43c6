import CZlib

/// gzip (RFC 1952) of a whole response body, for clients sending `Accept-Encoding: gzip`.
enum GzipEncoder {
    struct Failure: Error { var code: Int32 }

    static func compress(_ input: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        // windowBits 31 = 15 + 16: a gzip header and trailer around raw deflate.
        let status = kubetrail_deflateInit2(&stream, Z_DEFAULT_COMPRESSION, 31, 8)
        guard status == Z_OK else { throw Failure(code: status) }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 32)
        var input = input
        let result = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = destination.baseAddress
                stream.avail_out = UInt32(destination.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard result == Z_STREAM_END else { throw Failure(code: result) }
        output.removeLast(Int(stream.avail_out))
        return output
    }
}
