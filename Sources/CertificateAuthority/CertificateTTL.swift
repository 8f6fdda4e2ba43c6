/// How long a certificate stays valid, written the way Kubernetes tools write durations (`8h`, `30m`, `1h30m`).
///
/// Only whole seconds and the units `h`, `m` and `s` are accepted: X.509 validity has second
/// precision, and a `d` unit would be ambiguous around daylight-saving changes.
public struct CertificateTTL: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The length in seconds; always positive for a parsed value.
    public var seconds: Int64

    /// Creates a TTL of the given number of seconds (not validated; see ``init(parsing:)``).
    public init(seconds: Int64) {
        self.seconds = seconds
    }

    /// Creates a TTL of `hours` hours.
    public static func hours(_ hours: Int64) -> CertificateTTL {
        CertificateTTL(seconds: hours * 3600)
    }

    /// Parses text such as `8h`, `90m`, `1h30m15s` or `8760h`.
    ///
    /// - Throws: ``CertificateAuthorityError/invalidTTL(_:)`` for malformed or absurdly large text,
    ///   ``CertificateAuthorityError/nonPositiveTTL`` for `0h`.
    public init(parsing text: String) throws(CertificateAuthorityError) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 32 else { throw .invalidTTL(text) }
        var total: Int64 = 0
        var index = 0
        var lastUnitRank = Int.max  // units must appear largest first, each at most once
        while index < bytes.count {
            var number: Int64 = 0
            let digitsStart = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                let (m, o1) = number.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(bytes[index] - UInt8(ascii: "0")))
                guard !o1, !o2 else { throw .invalidTTL(text) }
                number = a
                index += 1
            }
            guard index > digitsStart, index < bytes.count else { throw .invalidTTL(text) }
            let (multiplier, rank): (Int64, Int)
            switch bytes[index] {
            case UInt8(ascii: "h"): (multiplier, rank) = (3600, 3)
            case UInt8(ascii: "m"): (multiplier, rank) = (60, 2)
            case UInt8(ascii: "s"): (multiplier, rank) = (1, 1)
            default: throw .invalidTTL(text)
            }
            guard rank < lastUnitRank else { throw .invalidTTL(text) }
            lastUnitRank = rank
            index += 1
            let (product, o1) = number.multipliedReportingOverflow(by: multiplier)
            let (sum, o2) = total.addingReportingOverflow(product)
            // 100 years is far beyond any sane certificate and keeps Date arithmetic exact.
            guard !o1, !o2, sum <= 100 * 366 * 86_400 else { throw .invalidTTL(text) }
            total = sum
        }
        guard total > 0 else { throw .nonPositiveTTL }
        self.seconds = total
    }

    /// The TTL as a `TimeInterval` for `Date` arithmetic.
    public var timeInterval: Double { Double(self.seconds) }

    /// Go-style rendering without zero components, e.g. `8h`, `1h30m`, `45s`.
    public var description: String {
        guard self.seconds > 0 else { return "\(self.seconds)s" }
        let h = self.seconds / 3600
        let m = (self.seconds % 3600) / 60
        let s = self.seconds % 60
        var out = ""
        if h > 0 { out += "\(h)h" }
        if m > 0 { out += "\(m)m" }
        if s > 0 { out += "\(s)s" }
        return out
    }

    public static func < (lhs: CertificateTTL, rhs: CertificateTTL) -> Bool {
        lhs.seconds < rhs.seconds
    }
}
