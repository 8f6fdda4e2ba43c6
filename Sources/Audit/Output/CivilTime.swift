/// Writes µs-since-1970 instants as calendar text (proleptic Gregorian, UTC) straight into bytes.
///
/// Shared by COPY (`2026-11-25 12:00:00.123456+00`) and JSON (`2026-11-25T12:00:00.123456Z`);
/// formatting dates this way costs a fraction of what DateFormatter does, on export's hot path.
enum CivilTime {
    static func write(_ microseconds: Int64, dateTimeSeparator: UInt8, suffix: StaticString, into bytes: inout [UInt8]) {
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
        // Filled on the stack and appended at once: one capacity check instead of one per byte.
        var text: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let length = withUnsafeMutableBytes(of: &text) { out in
            var at = 0
            func put(_ byte: UInt8) { out[at] = byte; at += 1 }
            func digits(_ value: Int64, _ width: Int) {
                var v = value
                for i in stride(from: width - 1, through: 0, by: -1) {
                    out[at + i] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: v % 10)
                    v /= 10
                }
                at += width
            }
            if (0...9999).contains(year) {
                digits(year, 4)
            } else {
                // Beyond RFC 3339 (a damaged or hand-made row; PostgreSQL's 'infinity'): ISO 8601's
                // expanded form, sign and every digit, rather than a wrong date or a trap.
                put(year < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
                var width = 1
                var left = year.magnitude
                while left >= 10 { left /= 10; width += 1 }
                digits(Int64(year.magnitude), max(width, 4))
            }
            put(UInt8(ascii: "-")); digits(month, 2); put(UInt8(ascii: "-")); digits(day, 2)
            put(dateTimeSeparator)
            digits(rest / 3_600_000_000, 2); put(UInt8(ascii: ":"))
            digits(rest / 60_000_000 % 60, 2); put(UInt8(ascii: ":"))
            digits(rest / 1_000_000 % 60, 2); put(UInt8(ascii: "."))
            digits(rest % 1_000_000, 6)
            return at
        }
        withUnsafeBytes(of: &text) { bytes.append(contentsOf: $0[..<length]) }
        suffix.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }
}
