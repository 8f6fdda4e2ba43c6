import NIOCore

/// One SPDY/3.1 frame, with its header block already decompressed.
///
/// Only the frame types SPDY/3.1 defines are represented; the parser skips any other control
/// frame type, as the spec requires ("MUST ignore the frame").
public enum SPDYFrame: Hashable, Sendable {
    case data(SPDYFrame.Data)
    case synStream(SPDYFrame.SynStream)
    case synReply(SPDYFrame.SynReply)
    case rstStream(SPDYFrame.RstStream)
    case settings(SPDYFrame.Settings)
    case ping(SPDYFrame.Ping)
    case goAway(SPDYFrame.GoAway)
    case headers(SPDYFrame.Headers)
    case windowUpdate(SPDYFrame.WindowUpdate)

    /// The 16-bit control frame types of SPDY/3.1.
    public enum ControlType: UInt16, Sendable {
        case synStream = 1
        case synReply = 2
        case rstStream = 3
        case settings = 4
        case ping = 6
        case goAway = 7
        case headers = 8
        case windowUpdate = 9
    }

    /// The only version this implementation speaks.
    public static let version: UInt16 = 3
    /// Bytes before every frame's payload.
    public static let headerLength = 8
    /// The largest payload the 24-bit length field can carry.
    public static let maximumPayloadLength = 0xFF_FFFF

    /// FLAG_FIN on DATA, SYN_STREAM, SYN_REPLY and HEADERS.
    static let flagFin: UInt8 = 0x01
    /// FLAG_UNIDIRECTIONAL on SYN_STREAM.
    static let flagUnidirectional: UInt8 = 0x02
    /// FLAG_SETTINGS_CLEAR_SETTINGS on SETTINGS.
    static let flagClearSettings: UInt8 = 0x01

    /// The stream a frame belongs to; `nil` for session-wide frames (SETTINGS, PING, GOAWAY).
    public var stream: SPDYStreamID? {
        switch self {
        case .data(let frame): return frame.stream
        case .synStream(let frame): return frame.stream
        case .synReply(let frame): return frame.stream
        case .rstStream(let frame): return frame.stream
        case .headers(let frame): return frame.stream
        case .windowUpdate(let frame): return frame.stream
        case .settings, .ping, .goAway: return nil
        }
    }
}

extension SPDYFrame {
    /// DATA: bytes for one stream; `fin` half-closes the sender's side.
    public struct Data: Hashable, Sendable {
        public var stream: SPDYStreamID
        public var payload: ByteBuffer
        public var fin: Bool

        public init(stream: SPDYStreamID, payload: ByteBuffer, fin: Bool = false) {
            self.stream = stream
            self.payload = payload
            self.fin = fin
        }
    }

    /// SYN_STREAM: opens a stream with request headers.
    public struct SynStream: Hashable, Sendable {
        public var stream: SPDYStreamID
        /// The stream this one is associated with (server push); `.session` (0) for none.
        public var associatedTo: SPDYStreamID
        /// 0 (highest) to 7 (lowest); only the top 3 bits of the byte travel.
        public var priority: UInt8
        /// CREDENTIAL slot; 0 when unused (always, for Kubernetes).
        public var slot: UInt8
        /// FLAG_FIN: the opener sends nothing more.
        public var fin: Bool
        /// FLAG_UNIDIRECTIONAL: the recipient may not send on this stream.
        public var unidirectional: Bool
        public var headers: SPDYHeaderBlock

        public init(
            stream: SPDYStreamID,
            associatedTo: SPDYStreamID = .session,
            priority: UInt8 = 0,
            slot: UInt8 = 0,
            fin: Bool = false,
            unidirectional: Bool = false,
            headers: SPDYHeaderBlock
        ) {
            self.stream = stream
            self.associatedTo = associatedTo
            self.priority = priority & 0x07
            self.slot = slot
            self.fin = fin
            self.unidirectional = unidirectional
            self.headers = headers
        }
    }

    /// SYN_REPLY: accepts a stream the peer opened.
    public struct SynReply: Hashable, Sendable {
        public var stream: SPDYStreamID
        public var fin: Bool
        public var headers: SPDYHeaderBlock

        public init(stream: SPDYStreamID, fin: Bool = false, headers: SPDYHeaderBlock = SPDYHeaderBlock()) {
            self.stream = stream
            self.fin = fin
            self.headers = headers
        }
    }

    /// RST_STREAM: ends a stream abnormally, both ways at once.
    public struct RstStream: Hashable, Sendable {
        public var stream: SPDYStreamID
        public var status: SPDYResetStatus

        public init(stream: SPDYStreamID, status: SPDYResetStatus) {
            self.stream = stream
            self.status = status
        }
    }

    /// SETTINGS: session parameters (only INITIAL_WINDOW_SIZE changes behaviour here).
    public struct Settings: Hashable, Sendable {
        /// FLAG_SETTINGS_CLEAR_SETTINGS.
        public var clearPersisted: Bool
        public var entries: [SPDYSetting]

        public init(clearPersisted: Bool = false, entries: [SPDYSetting]) {
            self.clearPersisted = clearPersisted
            self.entries = entries
        }
    }

    /// PING: echoed unchanged by the receiver. Clients use odd ids, servers even ids.
    public struct Ping: Hashable, Sendable {
        public var id: UInt32

        public init(id: UInt32) {
            self.id = id
        }
    }

    /// GOAWAY: no new streams; names the last peer stream this side accepted.
    public struct GoAway: Hashable, Sendable {
        public var lastGoodStream: SPDYStreamID
        public var status: SPDYGoAwayStatus

        public init(lastGoodStream: SPDYStreamID, status: SPDYGoAwayStatus = .ok) {
            self.lastGoodStream = lastGoodStream
            self.status = status
        }
    }

    /// HEADERS: more headers for an open stream.
    public struct Headers: Hashable, Sendable {
        public var stream: SPDYStreamID
        public var fin: Bool
        public var headers: SPDYHeaderBlock

        public init(stream: SPDYStreamID, fin: Bool = false, headers: SPDYHeaderBlock) {
            self.stream = stream
            self.fin = fin
            self.headers = headers
        }
    }

    /// WINDOW_UPDATE: grants the peer `delta` more bytes on a stream, or on the whole session
    /// when `stream` is `.session` (SPDY/3.1).
    public struct WindowUpdate: Hashable, Sendable {
        public var stream: SPDYStreamID
        /// 31 bits; the top bit is dropped on the wire.
        public var delta: UInt32

        public init(stream: SPDYStreamID, delta: UInt32) {
            self.stream = stream
            self.delta = delta & 0x7FFF_FFFF
        }
    }
}

/// RST_STREAM status codes (SPDY/3 section 2.6.3); unknown codes are kept as they came.
public struct SPDYResetStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let protocolError = SPDYResetStatus(rawValue: 1)
    public static let invalidStream = SPDYResetStatus(rawValue: 2)
    public static let refusedStream = SPDYResetStatus(rawValue: 3)
    public static let unsupportedVersion = SPDYResetStatus(rawValue: 4)
    public static let cancel = SPDYResetStatus(rawValue: 5)
    public static let internalError = SPDYResetStatus(rawValue: 6)
    public static let flowControlError = SPDYResetStatus(rawValue: 7)
    public static let streamInUse = SPDYResetStatus(rawValue: 8)
    public static let streamAlreadyClosed = SPDYResetStatus(rawValue: 9)
    public static let invalidCredentials = SPDYResetStatus(rawValue: 10)
    public static let frameTooLarge = SPDYResetStatus(rawValue: 11)

    public var description: String {
        let names = [
            "PROTOCOL_ERROR", "INVALID_STREAM", "REFUSED_STREAM", "UNSUPPORTED_VERSION", "CANCEL",
            "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "STREAM_IN_USE", "STREAM_ALREADY_CLOSED",
            "INVALID_CREDENTIALS", "FRAME_TOO_LARGE",
        ]
        if rawValue >= 1, rawValue <= UInt32(names.count) { return names[Int(rawValue) - 1] }
        return "status \(rawValue)"
    }
}

/// GOAWAY status codes (SPDY/3 section 2.6.6).
public struct SPDYGoAwayStatus: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let ok = SPDYGoAwayStatus(rawValue: 0)
    public static let protocolError = SPDYGoAwayStatus(rawValue: 1)
    public static let internalError = SPDYGoAwayStatus(rawValue: 2)
}

/// One SETTINGS entry: 8-bit flags, 24-bit id, 32-bit value.
public struct SPDYSetting: Hashable, Sendable {
    public var flags: UInt8
    public var id: SPDYSettingID
    public var value: UInt32

    public init(id: SPDYSettingID, value: UInt32, flags: UInt8 = 0) {
        self.flags = flags
        self.id = id
        self.value = value
    }
}

/// SETTINGS ids (SPDY/3 section 2.6.4); 24 bits on the wire.
public struct SPDYSettingID: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue & 0xFF_FFFF }

    public static let uploadBandwidth = SPDYSettingID(rawValue: 1)
    public static let downloadBandwidth = SPDYSettingID(rawValue: 2)
    public static let roundTripTime = SPDYSettingID(rawValue: 3)
    public static let maxConcurrentStreams = SPDYSettingID(rawValue: 4)
    public static let currentCwnd = SPDYSettingID(rawValue: 5)
    public static let downloadRetransRate = SPDYSettingID(rawValue: 6)
    public static let initialWindowSize = SPDYSettingID(rawValue: 7)
    public static let clientCertificateVectorSize = SPDYSettingID(rawValue: 8)
}
