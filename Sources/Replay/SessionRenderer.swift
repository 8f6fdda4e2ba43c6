import KubeAPI
import SessionRecording

/// Turns a recorded session's frames into one of the replay formats, frame by frame, so a
/// session of any length is rendered in constant memory.
public protocol SessionRenderer {
    /// Text to print before the first frame.
    mutating func begin(_ session: SessionSummary) -> String
    /// Text for one frame (possibly empty).
    mutating func render(_ frame: SessionFrame) -> String
    /// Text to print after the last frame.
    mutating func end(_ session: SessionSummary) -> String
}

/// What the start and end events say about a session.
public struct SessionSummary: Sendable, Equatable {
    public var id: String
    public var user: String
    public var cluster: String
    public var namespace: String
    public var pod: String
    public var command: String
    public var protocolName: String
    /// Seconds since 1970 of the session's start.
    public var startedAt: Double
    public var width: Int
    public var height: Int
    public var exitCode: String?
    public var endedBy: String?

    public init(id: String, user: String = "", cluster: String = "", namespace: String = "", pod: String = "", command: String = "",
                protocolName: String = "", startedAt: Double = 0, width: Int = 80, height: Int = 24, exitCode: String? = nil,
                endedBy: String? = nil) {
        self.id = id
        self.user = user
        self.cluster = cluster
        self.namespace = namespace
        self.pod = pod
        self.command = command
        self.protocolName = protocolName
        self.startedAt = startedAt
        self.width = width
        self.height = height
        self.exitCode = exitCode
        self.endedBy = endedBy
    }
}

/// A plain transcript: the terminal's output as it came, what was typed marked `«…»`
/// (control characters spelled out), resizes and the exit noted.
public struct TranscriptRenderer: SessionRenderer {
    public init() {}

    public mutating func begin(_ session: SessionSummary) -> String {
        "# session \(session.id): \(session.user) on \(session.cluster), pod \(session.namespace)/\(session.pod), \(session.protocolName)\n"
            + "# command: \(session.command)\n"
    }

    public mutating func render(_ frame: SessionFrame) -> String {
        switch frame.stream {
        case .stdout, .stderr: String(decoding: frame.bytes, as: UTF8.self)
        case .stdin: "«" + Self.spelled(frame.bytes) + "»"
        case .resize: TerminalResize.parse(frame.bytes).map { "«resize \($0.width)x\($0.height)»" } ?? ""
        default: ""
        }
    }

    public mutating func end(_ session: SessionSummary) -> String {
        "\n# ended: \(session.endedBy ?? "unknown")" + (session.exitCode.map { ", exit code \($0)" } ?? "") + "\n"
    }

    /// Typed bytes with control characters made visible: `⏎` for a carriage return, `^C` for 0x03.
    static func spelled(_ bytes: [UInt8]) -> String {
        var text = ""
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            switch scalar.value {
            case 0x0D: text += "⏎"
            case 0x0A: text += "↵"
            case 0x09: text += "⇥"
            case 0x7F: text += "⌫"
            case 0x1B: text += "⎋"
            case 0..<0x20: text += "^" + String(UnicodeScalar(UInt8(scalar.value) + 0x40))
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text
    }
}

/// asciicast v2 (asciinema's format): a header line, then `[seconds, "o"|"i"|"r", text]` lines
/// ("r": the terminal was resized to "COLSxROWS"). Event times follow `timeline`: the original
/// ones by default, or with idle gaps capped and a speed applied (`--max-idle`, `--speed`).
public struct AsciicastRenderer: SessionRenderer {
    public var timeline: PlaybackTimeline
    /// The terminal's size as the player knows it: the header's, then each resize's.
    private var size: (width: Int, height: Int) = (0, 0)

    public init(timeline: PlaybackTimeline = PlaybackTimeline()) {
        self.timeline = timeline
    }

    public mutating func begin(_ session: SessionSummary) -> String {
        size = (session.width, session.height)
        let header: JSONValue = .object(JSONObject(members: [
            .init(key: "version", value: .int(2)), .init(key: "width", value: .int(Int64(session.width))),
            .init(key: "height", value: .int(Int64(session.height))), .init(key: "timestamp", value: .int(Int64(session.startedAt))),
            .init(key: "command", value: .string(session.command)),
            .init(key: "title", value: .string("\(session.user) on \(session.cluster): \(session.namespace)/\(session.pod)")),
        ]))
        return JSONSerializer.string(header) + "\n"
    }

    public mutating func render(_ frame: SessionFrame) -> String {
        let code: String
        var text = String(decoding: frame.bytes, as: UTF8.self)
        switch frame.stream {
        case .stdout, .stderr: code = "o"
        case .stdin: code = "i"
        case .resize:
            // The first size is the header's; only a change is an event.
            guard let resized = TerminalResize.parse(frame.bytes), (Int(resized.width), Int(resized.height)) != size else { return "" }
            size = (Int(resized.width), Int(resized.height))
            code = "r"
            text = "\(resized.width)x\(resized.height)"
        default: return ""
        }
        let seconds = Double(timeline.time(of: frame.offset)) / 1_000_000
        let event: JSONValue = .array([.double(seconds), .string(code), .string(text)])
        return JSONSerializer.string(event) + "\n"
    }

    public mutating func end(_ session: SessionSummary) -> String { "" }
}

/// JSON lines: the session, then one object per frame (`offset` in microseconds, `stream`,
/// `data` as text), then how it ended.
public struct FrameJSONRenderer: SessionRenderer {
    public init() {}

    public mutating func begin(_ session: SessionSummary) -> String {
        JSONSerializer.string(.object(JSONObject(members: [
            .init(key: "session", value: .string(session.id)), .init(key: "user", value: .string(session.user)),
            .init(key: "cluster", value: .string(session.cluster)), .init(key: "namespace", value: .string(session.namespace)),
            .init(key: "pod", value: .string(session.pod)), .init(key: "command", value: .string(session.command)),
            .init(key: "protocol", value: .string(session.protocolName)),
        ]))) + "\n"
    }

    public mutating func render(_ frame: SessionFrame) -> String {
        var members: [JSONObject.Member] = [
            .init(key: "offset", value: .int(frame.offset)), .init(key: "stream", value: .string("\(frame.stream)")),
            .init(key: "direction", value: .string("\(frame.direction)")),
            .init(key: "data", value: .string(String(decoding: frame.bytes, as: UTF8.self))),
        ]
        if let port = frame.port { members.append(.init(key: "port", value: .int(Int64(port)))) }
        return JSONSerializer.string(.object(JSONObject(members: members))) + "\n"
    }

    public mutating func end(_ session: SessionSummary) -> String {
        var members: [JSONObject.Member] = [.init(key: "endedBy", value: .string(session.endedBy ?? "unknown"))]
        if let code = session.exitCode { members.append(.init(key: "exitCode", value: .string(code))) }
        return JSONSerializer.string(.object(JSONObject(members: members))) + "\n"
    }
}
