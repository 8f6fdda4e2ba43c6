/// The SPDY/3 header compression dictionary (draft 3, section 2.6.10.1).
///
/// Both directions preset their zlib stream with it (`deflateSetDictionary` /
/// `inflateSetDictionary` on `Z_NEED_DICT`). It is 65 length-prefixed words followed by a run
/// of common header text; 1,423 bytes, zlib dictionary id (Adler-32) 0xE3C6A7C2.
enum SPDYHeaderDictionary {
    /// The dictionary bytes, exactly as moby/spdystream and the SPDY/3 draft spell them.
    static let bytes: [UInt8] = {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1423)
        for word in words {
            let count = UInt32(word.utf8.count)
            bytes.append(contentsOf: [UInt8(count >> 24), UInt8((count >> 16) & 0xFF), UInt8((count >> 8) & 0xFF), UInt8(count & 0xFF)])
            bytes.append(contentsOf: word.utf8)
        }
        bytes.append(contentsOf: tail.utf8)
        return bytes
    }()

    /// The dictionary id a zlib stream built with this dictionary carries in its header.
    static let adler32: UInt32 = 0xE3C6_A7C2

    private static let words: [String] = [
        "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset",
        "accept-encoding", "accept-language", "accept-ranges", "age", "allow", "authorization",
        "cache-control", "connection", "content-base", "content-encoding", "content-language",
        "content-length", "content-location", "content-md5", "content-range", "content-type",
        "date", "etag", "expect", "expires", "from", "host", "if-match", "if-modified-since",
        "if-none-match", "if-range", "if-unmodified-since", "last-modified", "location",
        "max-forwards", "pragma", "proxy-authenticate", "proxy-authorization", "range", "referer",
        "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade", "user-agent",
        "vary", "via", "warning", "www-authenticate", "method", "get", "status", "200 OK",
        "version", "HTTP/1.1", "url", "public", "set-cookie", "keep-alive", "origin",
    ]

    private static let tail: String = """
        10010120120220520630030230330430530630740240540640740840941041141241341441541641\
        7502504505203 Non-Authoritative Information204 No Content301 Moved Permanently40\
        0 Bad Request401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error\
        501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept O\
        ct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,imag\
        e/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/\
        javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1\
        ,utf-,*,enq=0.
        """
}
