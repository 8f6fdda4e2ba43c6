import Foundation

/// How `kubetrail sessions` prints: an aligned table or JSON lines.
public enum SessionOverviewFormat: String, Sendable, CaseIterable {
    case table
    case json

    static let textTable = TextTable(columns: [
        ("ID", 36), ("KIND", 11), ("USER", 16), ("CLUSTER", 12), ("START", 20), ("DURATION", 9), ("BYTES", 9), ("TARGET", 32), ("OUTCOME", 0),
    ])

    /// The first line, if the format has one.
    public var header: String? {
        switch self {
        case .table: Self.textTable.header
        case .json: nil
        }
    }

    /// One session as one line, without its newline.
    public func line(_ s: SessionOverview) -> String {
        switch self {
        case .table:
            let cells = [s.id, s.kind.rawValue, s.user, s.cluster, String(s.start.rfc3339Micro.prefix(19)) + "Z",
                         s.duration.map(Self.duration) ?? "-", Self.bytes(s.bytesIn + s.bytesOut), s.target, s.outcome]
            return Self.textTable.line(cells)
        case .json:
            var j = JSONText()
            j.beginObject()
            j.string("id", s.id)
            j.string("kind", s.kind.rawValue)
            j.string("user", s.user)
            j.string("cluster", s.cluster)
            j.string("target", s.target)
            j.string("start", s.start.rfc3339Micro)
            j.number("durationMicroseconds", s.duration)
            j.number("bytesIn", s.bytesIn)
            j.number("bytesOut", s.bytesOut)
            j.string("outcome", s.outcome)
            if let code = s.exitCode { j.number("exitCode", Int64(code)) }
            if let requests = s.requests { j.number("requests", requests) }
            j.endObject()
            return j.text
        }
    }

    /// `1h02m`, `3m07s`, `4.2s`, `15ms`.
    static func duration(_ microseconds: Int64) -> String {
        let seconds = microseconds / 1_000_000
        if seconds >= 3600 { return "\(seconds / 3600)h" + String(format: "%02dm", (seconds % 3600) / 60) }
        if seconds >= 60 { return "\(seconds / 60)m" + String(format: "%02ds", seconds % 60) }
        if microseconds >= 1_000_000 { return String(format: "%.1fs", Double(microseconds) / 1_000_000) }
        return "\(microseconds / 1000)ms"
    }

    /// `812 B`, `4.1 KB`, `98.3 MB` (powers of 1024).
    static func bytes(_ count: Int64) -> String {
        if count < 1024 { return "\(count) B" }
        let units = ["KB", "MB", "GB", "TB"]
        var value = Double(count) / 1024
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return String(format: "%.1f %@", value, units[unit])
    }
}

extension Date {
    /// RFC 3339 with microseconds, UTC (`2026-11-25T12:00:00.123456Z`), as the trail's outputs write times.
    public var rfc3339Microseconds: String { rfc3339Micro }
}
