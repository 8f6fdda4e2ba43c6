import Foundation

/// Builds one JSON object as UTF-8 bytes, fields in the order written: fast enough for export
/// streams (no per-character String appends, no allocation per line when the caller lends its
/// buffer), exact about escaping (RFC 8259).
struct JSONText {
    /// Settable so a caller can swap its own buffer in and write into it without a copy.
    var bytes: [UInt8]
    /// One bit per open object or array (innermost lowest): set once it has a member, so the
    /// next one needs a comma. Nesting deeper than 64 is not written here.
    private var commaBits: UInt64 = 0
    private var depth = 0
    /// A data key was just written (`key(utf8:)`): the next member is its value, without a comma.
    private var keyPending = false

    init() {
        bytes = []
        bytes.reserveCapacity(1024)
    }

    /// Continues `bytes`, which may already hold earlier lines.
    init(appendingTo bytes: [UInt8]) { self.bytes = bytes }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func beginObject(_ key: StaticString? = nil) { open(key, UInt8(ascii: "{")) }
    mutating func endObject() { close(UInt8(ascii: "}")) }
    mutating func beginArray(_ key: StaticString? = nil) { open(key, UInt8(ascii: "[")) }
    mutating func endArray() { close(UInt8(ascii: "]")) }

    private mutating func open(_ key: StaticString?, _ bracket: UInt8) {
        prefix(key)
        bytes.append(bracket)
        depth += 1
        commaBits <<= 1
    }

    private mutating func close(_ bracket: UInt8) {
        bytes.append(bracket)
        depth -= 1
        commaBits >>= 1
    }

    /// The comma a member needs, then its key. Keys given as literals are written as they are
    /// (they are ours and need no escaping); `key(utf8:)` quotes one that is data.
    private mutating func prefix(_ key: StaticString?) {
        if keyPending {
            keyPending = false
            return
        }
        if depth > 0 {
            if commaBits & 1 != 0 { bytes.append(UInt8(ascii: ",")) }
            commaBits |= 1
        }
        if let key {
            bytes.append(UInt8(ascii: "\""))
            key.withUTF8Buffer { bytes.append(contentsOf: $0) }
            bytes.append(UInt8(ascii: "\""))
            bytes.append(UInt8(ascii: ":"))
        }
    }

    /// A key that is data (an annotation's, say), quoted; the next value written (with a nil key) is its value.
    mutating func key(utf8 key: UnsafeRawBufferPointer) {
        prefix(nil)
        quote(utf8: key)
        bytes.append(UInt8(ascii: ":"))
        keyPending = true
    }

    mutating func key(_ key: String) {
        var key = key
        key.withUTF8 { self.key(utf8: UnsafeRawBufferPointer($0)) }
    }

    mutating func string(_ key: StaticString?, _ value: String?) {
        prefix(key)
        guard var value else { return append(Self.null) }
        value.withUTF8 { quote(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// A string of ours (a literal), quoted.
    mutating func string(_ key: StaticString?, literal value: StaticString) {
        prefix(key)
        value.withUTF8Buffer { quote(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// A string given as its UTF-8 bytes (a stored field), or null.
    mutating func string(_ key: StaticString?, utf8 value: UnsafeRawBufferPointer?) {
        prefix(key)
        if let value { quote(utf8: value) } else { append(Self.null) }
    }

    mutating func number(_ key: StaticString?, _ value: Int64?) {
        prefix(key)
        guard let value else { return append(Self.null) }
        Self.writeDecimal(value, into: &bytes)
    }

    /// A number written as a JSON string (`"42"`), as annotation values are.
    mutating func decimalString(_ key: StaticString?, _ value: Int64) {
        prefix(key)
        bytes.append(UInt8(ascii: "\""))
        Self.writeDecimal(value, into: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// An instant (µs since 1970) as a JSON string, RFC 3339 with microseconds in UTC, as
    /// Kubernetes writes audit times.
    mutating func time(_ key: StaticString?, microseconds: Int64) {
        prefix(key)
        bytes.append(UInt8(ascii: "\""))
        CivilTime.write(microseconds, dateTimeSeparator: UInt8(ascii: "T"), suffix: "Z", into: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A UUID (its 16 bytes) as a lower-case string (`8-4-4-4-12`), without building the String first.
    mutating func uuid(_ key: StaticString?, bytes raw: UnsafeRawBufferPointer) {
        prefix(key)
        bytes.append(UInt8(ascii: "\""))
        Self.writeUUID(raw, into: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// The 36 characters of a UUID given as its 16 bytes, lower-case.
    static func writeUUID(_ raw: UnsafeRawBufferPointer, into bytes: inout [UInt8]) {
        precondition(raw.count == 16)
        // Filled on the stack and appended at once.
        var text: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &text) { out in
            let digits: StaticString = "0123456789abcdef"
            digits.withUTF8Buffer { hex in
                var at = 0
                for i in 0..<16 {
                    if i == 4 || i == 6 || i == 8 || i == 10 { out[at] = UInt8(ascii: "-"); at += 1 }
                    out[at] = hex[Int(raw[i] >> 4)]
                    out[at + 1] = hex[Int(raw[i] & 0x0f)]
                    at += 2
                }
            }
        }
        withUnsafeBytes(of: &text) { bytes.append(contentsOf: $0[..<36]) }
    }

    /// Already-valid JSON (a stored JSON body), inserted as it is.
    mutating func raw(_ key: StaticString?, _ json: some Collection<UInt8>) {
        prefix(key)
        bytes.append(contentsOf: json)
    }

    mutating func strings(_ key: StaticString?, _ values: [String]) {
        beginArray(key)
        for value in values { string(nil, value) }
        endArray()
    }

    /// The elements of a stored `text[]`.
    mutating func strings(_ key: StaticString?, _ values: StoredTextArray) {
        beginArray(key)
        for value in values { string(nil, utf8: value) }
        endArray()
    }

    private static let null: StaticString = "null"

    /// Whether `bytes` are well-formed UTF-8.
    static func isUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        String(validating: bytes, as: UTF8.self) != nil
    }
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func append(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// `value` in decimal, without going through a String.
    static func writeDecimal(_ value: Int64, into bytes: inout [UInt8]) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            // -Int64.min does not fit: its magnitude as UInt64 does.
            writeDecimal(UInt64(bitPattern: 0 &- value), into: &bytes)
        } else {
            writeDecimal(UInt64(value), into: &bytes)
        }
    }

    private static func writeDecimal(_ value: UInt64, into bytes: inout [UInt8]) {
        var digits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // 32 bytes, room for 20 digits
        var count = 0
        var v = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                count += 1
                buffer[32 - count] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            } while v > 0
            bytes.append(contentsOf: buffer[(32 - count)...])
        }
    }

    /// Appends `utf8` quoted, escaping only what must be escaped; runs of plain bytes go in whole.
    ///
    /// Bytes that are not UTF-8 (a damaged row's bytea extras, a database not in UTF8) would make
    /// the line invalid JSON: the first non-ASCII byte has the whole string checked, and one that
    /// fails is written with each bad sequence replaced by U+FFFD.
    private mutating func quote(utf8: UnsafeRawBufferPointer) {
        let mark = bytes.count
        bytes.append(UInt8(ascii: "\""))
        guard let base = utf8.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return bytes.append(UInt8(ascii: "\"")) }
        var start = 0
        var i = 0
        var checked = false
        while i < utf8.count {
            let byte = base[i]
            // The common case first: nothing to escape (0x22 is '"', 0x5c is '\\').
            if byte >= 0x20 && byte != 0x22 && byte != 0x5c {
                if byte >= 0x80 && !checked {
                    checked = true
                    if !Self.isUTF8(utf8) {
                        bytes.removeLast(bytes.count - mark)
                        var repaired = String(decoding: utf8, as: UTF8.self)
                        return repaired.withUTF8 { quote(utf8: UnsafeRawBufferPointer($0)) }
                    }
                }
                i += 1
                continue
            }
            bytes.append(contentsOf: UnsafeBufferPointer(start: base + start, count: i - start))
            switch byte {
            case UInt8(ascii: "\""): bytes.append(0x5c); bytes.append(byte)
            case 0x5c: bytes.append(0x5c); bytes.append(0x5c)
            case 0x0a: bytes.append(0x5c); bytes.append(UInt8(ascii: "n"))
            case 0x0d: bytes.append(0x5c); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(0x5c); bytes.append(UInt8(ascii: "t"))
            default:
                bytes.append(0x5c); bytes.append(UInt8(ascii: "u")); bytes.append(UInt8(ascii: "0")); bytes.append(UInt8(ascii: "0"))
                bytes.append(Self.hex[Int(byte >> 4)])
                bytes.append(Self.hex[Int(byte & 0x0f)])
            }
            i += 1
            start = i
        }
        bytes.append(contentsOf: UnsafeBufferPointer(start: base + start, count: utf8.count - start))
        bytes.append(UInt8(ascii: "\""))
    }
}

extension Date {
    /// RFC 3339 with microseconds, UTC: `2026-11-25T12:00:00.123456Z`.
    var rfc3339Micro: String {
        var bytes: [UInt8] = []
        CivilTime.write(microsecondsSince1970, dateTimeSeparator: UInt8(ascii: "T"), suffix: "Z", into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
