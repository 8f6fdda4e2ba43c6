import Foundation

/// A point in time given on the command line: RFC 3339 (`2026-11-25T12:00:00Z`) or a
/// duration before now (`90m`, `24h`, `7d`, `2w`, `30s`).
public struct TimeBound: Sendable, Equatable {
    public var date: Date

    public init(_ text: String, now: Date = Date()) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let last = trimmed.last, let unit = Self.units[last], let amount = Double(trimmed.dropLast()), amount >= 0 {
            self.date = now.addingTimeInterval(-amount * unit)
            return
        }
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime], [.withFullDate]] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: trimmed) {
                self.date = date
                return
            }
        }
        throw InvalidQueryInput(description: "'\(text)' is not a time: use RFC 3339 (2026-11-25T12:00:00Z, or a date 2026-11-25) or a duration before now (90m, 24h, 7d, 2w)")
    }

    static let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
}

/// A time, status, cursor or other query input that does not parse; says what was expected.
public struct InvalidQueryInput: Error, CustomStringConvertible {
    public var description: String
}
