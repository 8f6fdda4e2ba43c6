import Foundation

/// Builds one JSON object as text, fields in the order written: fast enough for export streams,
/// exact about escaping (RFC 8259).
struct JSONText {
    private(set) var text = ""
    private var needsComma: [Bool] = []

    init() {}

    mutating func beginObject(_ key: String? = nil) { open(key, "{") }
    mutating func endObject() { text += "}"; needsComma.removeLast() }
    mutating func beginArray(_ key: String? = nil) { open(key, "[") }
    mutating func endArray() { text += "]"; needsComma.removeLast() }

    private mutating func open(_ key: String?, _ bracket: String) {
        prefix(key)
        text += bracket
        needsComma.append(false)
    }

    private mutating func prefix(_ key: String?) {
        if let last = needsComma.last {
            if last { text += "," }
            needsComma[needsComma.count - 1] = true
        }
        if let key {
            Self.quote(key, into: &text)
            text += ":"
        }
    }

    mutating func string(_ key: String?, _ value: String?) {
        prefix(key)
        if let value { Self.quote(value, into: &text) } else { text += "null" }
    }

    mutating func number(_ key: String?, _ value: Int64?) {
        prefix(key)
        text += value.map(String.init) ?? "null"
    }

    /// Already-valid JSON (a stored JSON body), inserted as it is.
    mutating func raw(_ key: String?, _ json: String) {
        prefix(key)
        text += json
    }

    mutating func strings(_ key: String?, _ values: [String]) {
        beginArray(key)
        for value in values { string(nil, value) }
        endArray()
    }

    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += String(format: "\\u%04x", scalar.value)
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

extension Date {
    /// RFC 3339 with microseconds, UTC: `2026-11-25T12:00:00.123456Z`, as Kubernetes writes audit times.
    var rfc3339Micro: String {
        let us = microsecondsSince1970
        var writer = CopyTextWriter()
        writer.timestamp(us, last: true)
        // "YYYY-MM-DD HH:MM:SS.ffffff+00\n" → "YYYY-MM-DDTHH:MM:SS.ffffffZ"
        var text = String(decoding: writer.bytes.dropLast(4), as: UTF8.self)
        text = text.replacingOccurrences(of: " ", with: "T")
        return text + "Z"
    }
}
