import NIOCore

/// Writes fields in PostgreSQL's COPY text format: tab-separated, `\N` for NULL, backslash
/// escapes for backslash, tab, newline and carriage return; bytea as `\\x` and hex.
struct CopyTextWriter {
    var buffer: ByteBuffer
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte == 0x5c || byte == 0x09 || byte == 0x0a || byte == 0x0d
    }

    mutating func separator(_ last: Bool) { buffer.writeInteger(last ? UInt8(ascii: "\n") : UInt8(ascii: "\t")) }

    mutating func field(_ value: String?, last: Bool = false) {
        guard var text = value else { return null(last) }
        text.withUTF8 { utf8 in
            // Fast path: nothing to escape.
            if !utf8.contains(where: Self.needsEscape) {
                buffer.writeBytes(utf8)
            } else {
                for byte in utf8 {
                    switch byte {
                    case 0x5c: buffer.writeStaticString("\\\\")
                    case 0x09: buffer.writeStaticString("\\t")
                    case 0x0a: buffer.writeStaticString("\\n")
                    case 0x0d: buffer.writeStaticString("\\r")
                    default: buffer.writeInteger(byte)
                    }
                }
            }
        }
        separator(last)
    }

    mutating func field(_ value: Int64?, last: Bool = false) {
        guard let value else { return null(last) }
        buffer.writeString(String(value))
        separator(last)
    }

    mutating func null(_ last: Bool) {
        buffer.writeStaticString("\\N")
        separator(last)
    }

    mutating func bytea(_ bytes: [UInt8]?, last: Bool = false) {
        guard let bytes else { return null(last) }
        buffer.writeStaticString("\\\\x")
        buffer.reserveCapacity(minimumWritableBytes: bytes.count * 2)
        for byte in bytes {
            buffer.writeInteger(Self.hex[Int(byte >> 4)])
            buffer.writeInteger(Self.hex[Int(byte & 0x0f)])
        }
        separator(last)
    }

    /// A timestamptz from µs since 1970, as `YYYY-MM-DD HH:MM:SS.ffffff+00` (proleptic Gregorian, UTC).
    mutating func timestamp(_ microseconds: Int64, last: Bool = false) {
        var days = microseconds / 86_400_000_000
        var rest = microseconds % 86_400_000_000
        if rest < 0 { rest += 86_400_000_000; days -= 1 }
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        digits(year, 4); buffer.writeInteger(UInt8(ascii: "-")); digits(month, 2); buffer.writeInteger(UInt8(ascii: "-"))
        digits(day, 2); buffer.writeInteger(UInt8(ascii: " "))
        digits(rest / 3_600_000_000, 2); buffer.writeInteger(UInt8(ascii: ":"))
        digits(rest / 60_000_000 % 60, 2); buffer.writeInteger(UInt8(ascii: ":"))
        digits(rest / 1_000_000 % 60, 2); buffer.writeInteger(UInt8(ascii: "."))
        digits(rest % 1_000_000, 6); buffer.writeStaticString("+00")
        separator(last)
    }

    private mutating func digits(_ value: Int64, _ width: Int) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        var v = value
        while divisor > 0 {
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(v / divisor % 10))
            v %= divisor
            divisor /= 10
        }
    }
}
