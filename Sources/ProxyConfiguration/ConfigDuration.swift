/// Parses Go-style durations as written in the configuration: `500ms`, `30s`, `5m`, `8h`, `1h30m`.
///
/// Units: `ms`, `s`, `m`, `h`. Every number needs a unit; signs, fractions and empty
/// strings are refused (a timeout of "-5m" or "5" is a mistake, not a value).
enum ConfigDuration {
    static func parse(_ text: String) -> Duration? {
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        var total: Duration = .zero
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 9, let value = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unit.count)
            switch unit {
            case "ms": total += .milliseconds(value)
            case "s": total += .seconds(value)
            case "m": total += .seconds(value * 60)
            case "h": total += .seconds(value * 3600)
            default: return nil
            }
        }
        return total
    }
}

extension YAMLNode {
    func duration() throws(ConfigurationError) -> Duration {
        let text = try string()
        guard let value = ConfigDuration.parse(text) else {
            throw error("\"\(text)\" is not a duration (write e.g. \"500ms\", \"30s\", \"5m\", \"8h\", \"1h30m\")")
        }
        return value
    }
}
