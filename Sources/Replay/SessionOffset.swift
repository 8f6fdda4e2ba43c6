import Foundation

/// A point in a session given on the command line: `45:00`, `1:02:03`, `90`, `90s`, `45m`, `1h`.
public enum SessionOffset {
    /// Microseconds since the session started; nil when the text is none of the forms.
    public static func parse(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.contains(":") {
            let parts = trimmed.split(separator: ":", omittingEmptySubsequences: false)
            guard (2...3).contains(parts.count) else { return nil }
            var seconds = 0.0
            for (i, part) in parts.enumerated() {
                guard let value = Double(part), value >= 0, value.isFinite, i == 0 || value < 60 else { return nil }
                seconds = seconds * 60 + value
            }
            return Int64(seconds * 1_000_000)
        }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        var number = Substring(trimmed)
        var unit = 1.0
        if let last = number.last, let u = units[last] {
            unit = u
            number = number.dropLast()
        }
        guard let value = Double(number), value >= 0, value.isFinite else { return nil }
        return Int64(value * unit * 1_000_000)
    }
}
