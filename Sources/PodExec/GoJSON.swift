/// Writes JSON the way Go's encoding/json does, so the bytes match a real server's.
enum GoJSON {
    /// `string` as a JSON string literal with Go's escaping (HTML-safe: `<`, `>`, `&` and
    /// U+2028/U+2029 are escaped).
    static func quote(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                out += Self.unicodeEscape(scalar.value)
            default:
                if scalar.value < 0x20 {
                    out += Self.unicodeEscape(scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
        return out
    }

    private static func unicodeEscape(_ value: UInt32) -> String {
        let hex = String(value, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
