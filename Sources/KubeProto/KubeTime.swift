/// RFC 3339 text for `metav1.Time` (whole seconds) and `metav1.MicroTime` (6 fractional
/// digits), matching Go's `time.RFC3339` / `metav1.RFC3339Micro` layouts, always in UTC.
enum KubeTime {
    /// Unix seconds of Go's zero `time.Time` (0001-01-01T00:00:00Z), which marshals as `null`.
    static let goZeroUnixSeconds: Int64 = -62_135_596_800
    /// Unix seconds of 10000-01-01T00:00:00Z; Go's RFC 3339 layouts only cover years 0000-9999.
    private static let year10000UnixSeconds: Int64 = 253_402_300_800
    private static let year0UnixSeconds: Int64 = -62_167_219_200

    /// `2026-11-25T14:00:00Z`, or `2026-11-25T14:00:00.123456Z` with `microseconds`.
    static func format(unixSeconds: Int64, microseconds: Int32?) -> String? {
        guard unixSeconds >= year0UnixSeconds, unixSeconds < year10000UnixSeconds else { return nil }
        let days = floorDivide(unixSeconds, 86_400)
        let secondOfDay = unixSeconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
        text += pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        if let microseconds {
            text += "." + pad(Int64(microseconds), 6)
        }
        return text + "Z"
    }

    /// Parses RFC 3339 as Go's `time.Parse` does for these layouts. With `requireMicroseconds`
    /// exactly six fractional digits must be present (MicroTime); otherwise any fraction is
    /// accepted. Returns Unix seconds and the fraction in nanoseconds.
    static func parse(_ text: String, requireMicroseconds: Bool) -> (seconds: Int64, nanos: Int32)? {
        let b = Array(text.utf8)
        var i = 0
        func number(_ count: Int) -> Int64? {
            guard b.count - i >= count else { return nil }
            var value: Int64 = 0
            for _ in 0..<count {
                guard b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(b[i] - UInt8(ascii: "0"))
                i += 1
            }
            return value
        }
        func literal(_ c: Character) -> Bool {
            guard i < b.count, b[i] == c.asciiValue else { return false }
            i += 1
            return true
        }
        guard let year = number(4), literal("-"), let month = number(2), literal("-"), let day = number(2),
            literal("T"), let hour = number(2), literal(":"), let minute = number(2), literal(":"),
            let second = number(2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60,
            second < 60
        else { return nil }
        var nanos: Int64 = 0
        var fractionDigits = 0
        if i < b.count, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") {
            i += 1
            while i < b.count, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") {
                if fractionDigits < 9 { nanos = nanos * 10 + Int64(b[i] - UInt8(ascii: "0")) }
                fractionDigits += 1
                i += 1
            }
            guard fractionDigits > 0 else { return nil }
            for _ in fractionDigits..<max(fractionDigits, 9) { nanos *= 10 }
        }
        if requireMicroseconds, fractionDigits != 6 { return nil }
        var offset: Int64 = 0
        if literal("Z") {
            // UTC
        } else if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign: Int64 = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let offsetHours = number(2), literal(":"), let offsetMinutes = number(2), offsetHours < 24,
                offsetMinutes < 60
            else { return nil }
            offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let seconds = days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offset
        return (seconds, Int32(nanos))
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    private static func isLeap(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    private static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of ``days(year:month:day:)`` (H. Hinnant's civil_from_days).
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// The syntax of `resource.Quantity` strings (`ParseQuantity` in apimachinery):
/// a signed decimal number followed by a binary-SI suffix (Ki..Ei), a decimal-SI suffix
/// (n, u, m, "", k, M, G, T, P, E) or a decimal exponent (e3, E-2).
///
/// The value is checked, not canonicalized: kube-apiserver would rewrite "0.5" as "500m".
enum KubeQuantity {
    static func isValid(_ text: String) -> Bool {
        let b = Array(text.utf8)
        var i = 0
        if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
        let integerStart = i
        while i < b.count, isDigit(b[i]) { i += 1 }
        var digits = i - integerStart
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            while i < b.count, isDigit(b[i]) { i += 1 }
            digits += i - fractionStart
        }
        guard digits > 0 else { return false }
        let suffix = String(decoding: b[i...], as: UTF8.self)
        switch suffix {
        case "", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei":
            return true
        default:
            var s = b[i...].dropFirst(0)
            guard let first = s.first, first == UInt8(ascii: "e") || first == UInt8(ascii: "E") else { return false }
            s = s.dropFirst()
            if let sign = s.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { s = s.dropFirst() }
            return !s.isEmpty && s.allSatisfy(isDigit)
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
