import Foundation
import NIOCore

/// Writes fields in PostgreSQL's COPY text format: tab-separated, `\N` for NULL, backslash
/// escapes for backslash, tab, newline and carriage return; bytea as `\\x` and hex.
///
/// On the shipper's hot path: it appends bytes to one array, never building intermediate strings.
struct CopyTextWriter {
    private(set) var bytes: [UInt8] = []
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    init(reservingCapacity capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    var buffer: ByteBuffer { ByteBuffer(bytes: bytes) }

    private mutating func separator(_ last: Bool) { bytes.append(last ? 0x0a : 0x09) }

    private mutating func escaped(_ byte: UInt8) {
        switch byte {
        case 0x5c: bytes.append(0x5c); bytes.append(0x5c)
        case 0x09: bytes.append(0x5c); bytes.append(UInt8(ascii: "t"))
        case 0x0a: bytes.append(0x5c); bytes.append(UInt8(ascii: "n"))
        case 0x0d: bytes.append(0x5c); bytes.append(UInt8(ascii: "r"))
        default: bytes.append(byte)
        }
    }

    mutating func field(_ value: String?, last: Bool = false) {
        guard var text = value else { return null(last) }
        text.withUTF8 { utf8 in
            for byte in utf8 { escaped(byte) }
        }
        separator(last)
    }

    /// A text field from raw UTF-8 bytes (the canonical encoding's strings).
    mutating func field(utf8: UnsafeRawBufferPointer, last: Bool = false) {
        for byte in utf8 { escaped(byte) }
        separator(last)
    }

    /// Starts a `text[]` literal whose elements follow as `arrayElement` calls.
    mutating func beginArray() { bytes.append(UInt8(ascii: "{")) }

    mutating func arrayElement(utf8: UnsafeRawBufferPointer, first: Bool) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        for byte in utf8 {
            if byte == UInt8(ascii: "\"") || byte == 0x5c { bytes.append(0x5c); bytes.append(0x5c) }
            escaped(byte)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func endArray(last: Bool = false) {
        bytes.append(UInt8(ascii: "}"))
        separator(last)
    }

    /// A `text[]` as an array literal (`{"a","b\"c"}`), COPY-escaped on top.
    mutating func array(_ strings: [String], last: Bool = false) {
        bytes.append(UInt8(ascii: "{"))
        for (i, s) in strings.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "\""))
            var s = s
            s.withUTF8 { utf8 in
                for byte in utf8 {
                    // The array literal escapes `"` and `\` with a backslash; COPY then escapes that backslash.
                    if byte == UInt8(ascii: "\"") || byte == 0x5c { bytes.append(0x5c); bytes.append(0x5c) }
                    escaped(byte)
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
        separator(last)
    }

    mutating func field(_ value: Int64?, last: Bool = false) {
        guard let value else { return null(last) }
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var v = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[count] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                count += 1
            } while v > 0
            for i in stride(from: count - 1, through: 0, by: -1) { bytes.append(d[i]) }
        }
        separator(last)
    }

    mutating func null(_ last: Bool) {
        bytes.append(0x5c)
        bytes.append(UInt8(ascii: "N"))
        separator(last)
    }

    mutating func bytea(_ value: [UInt8]?, last: Bool = false) {
        guard let value else { return null(last) }
        bytes.append(0x5c); bytes.append(0x5c); bytes.append(UInt8(ascii: "x"))
        Self.hex.withUnsafeBufferPointer { hex in
            for byte in value {
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0f)])
            }
        }
        separator(last)
    }

    mutating func uuid(_ id: UUID, last: Bool = false) {
        withUnsafeBytes(of: id.uuid) { uuid(bytes: $0, last: last) }
    }

    mutating func uuid(bytes raw: UnsafeRawBufferPointer, last: Bool = false) {
        Self.hex.withUnsafeBufferPointer { hex in
            for (i, byte) in raw.enumerated() {
                if i == 4 || i == 6 || i == 8 || i == 10 { bytes.append(UInt8(ascii: "-")) }
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0f)])
            }
        }
        separator(last)
    }

    /// A bytea written in pieces: `beginBytea`, any number of `byteaPart`, then `endBytea`.
    mutating func beginBytea() {
        bytes.append(0x5c); bytes.append(0x5c); bytes.append(UInt8(ascii: "x"))
    }

    mutating func byteaPart(_ raw: UnsafeRawBufferPointer) {
        Self.hex.withUnsafeBufferPointer { hex in
            for byte in raw {
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0f)])
            }
        }
    }

    mutating func byteaPart(_ byte: UInt8) {
        withUnsafeBytes(of: byte) { byteaPart($0) }
    }

    mutating func endBytea(last: Bool = false) { separator(last) }

    /// Rows appended so far, as bytes (for cutting a batch at a row boundary).
    var count: Int { bytes.count }

    mutating func append(contentsOf other: ArraySlice<UInt8>) { bytes.append(contentsOf: other) }

    /// A timestamptz from µs since 1970, as `YYYY-MM-DD HH:MM:SS.ffffff+00`.
    mutating func timestamp(_ microseconds: Int64, last: Bool = false) {
        CivilTime.write(microseconds, dateTimeSeparator: UInt8(ascii: " "), suffix: "+00", into: &bytes)
        separator(last)
    }
}
