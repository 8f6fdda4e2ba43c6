import Foundation

/// Builds one JSON object as UTF-8 bytes, fields in the order written: fast enough for export
/// streams (no per-character String appends), exact about escaping (RFC 8259).
struct JSONText {
    private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = []

    init() { bytes.reserveCapacity(1024) }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func beginObject(_ key: String? = nil) { open(key, UInt8(ascii: "{")) }
    mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma.removeLast() }
    mutating func beginArray(_ key: String? = nil) { open(key, UInt8(ascii: "[")) }
    mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma.removeLast() }

    private mutating func open(_ key: String?, _ bracket: UInt8) {
        prefix(key)
        bytes.append(bracket)
        needsComma.append(false)
    }

    private mutating func prefix(_ key: String?) {
        if let last = needsComma.last {
            if last { bytes.append(UInt8(ascii: ",")) }
            needsComma[needsComma.count - 1] = true
        }
        if let key {
            quote(key)
            bytes.append(UInt8(ascii: ":"))
        }
    }

    mutating func string(_ key: String?, _ value: String?) {
        prefix(key)
        if let value { quote(value) } else { bytes.append(contentsOf: Self.null) }
    }

    mutating func number(_ key: String?, _ value: Int64?) {
        prefix(key)
        if let value { bytes.append(contentsOf: String(value).utf8) } else { bytes.append(contentsOf: Self.null) }
    }

    /// An instant as a JSON string, RFC 3339 with microseconds in UTC, as Kubernetes writes audit times.
    mutating func time(_ key: String?, _ date: Date) {
        prefix(key)
        bytes.append(UInt8(ascii: "\""))
        CivilTime.write(date.microsecondsSince1970, dateTimeSeparator: UInt8(ascii: "T"), suffix: "Z", into: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Already-valid JSON (a stored JSON body), inserted as it is.
    mutating func raw(_ key: String?, _ json: [UInt8]) {
        prefix(key)
        bytes.append(contentsOf: json)
    }

    mutating func strings(_ key: String?, _ values: [String]) {
        beginArray(key)
        for value in values { string(nil, value) }
        endArray()
    }

    private static let null = Array("null".utf8)
    private static let hex = Array("0123456789abcdef".utf8)

    private mutating func quote(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""): bytes.append(0x5c); bytes.append(byte)
                case 0x5c: bytes.append(0x5c); bytes.append(0x5c)
                case 0x0a: bytes.append(0x5c); bytes.append(UInt8(ascii: "n"))
                case 0x0d: bytes.append(0x5c); bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(0x5c); bytes.append(UInt8(ascii: "t"))
                case 0..<0x20:
                    bytes.append(contentsOf: Array("\\u00".utf8))
                    bytes.append(Self.hex[Int(byte >> 4)])
                    bytes.append(Self.hex[Int(byte & 0x0f)])
                default: bytes.append(byte)
                }
            }
        }
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
