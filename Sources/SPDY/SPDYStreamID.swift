/// A SPDY stream identifier: 31 bits, odd for streams the client opens, even for the server's.
public struct SPDYStreamID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The identifier; only the low 31 bits are ever used on the wire.
    public var rawValue: UInt32

    /// Wraps an identifier; the top bit is dropped, as on the wire.
    public init(rawValue: UInt32) {
        self.rawValue = rawValue & 0x7FFF_FFFF
    }

    /// Wraps an identifier; the top bit is dropped, as on the wire.
    public init(_ value: UInt32) {
        self.init(rawValue: value)
    }

    /// Stream 0: no stream. GOAWAY names it when no stream was accepted; WINDOW_UPDATE uses
    /// it for the session-wide window (SPDY/3.1).
    public static let session = SPDYStreamID(0)

    /// The largest identifier SPDY can express.
    public static let maximum = SPDYStreamID(0x7FFF_FFFF)

    /// Whether a client opened this stream (odd identifiers).
    public var isClientInitiated: Bool { rawValue % 2 == 1 }

    public static func < (lhs: SPDYStreamID, rhs: SPDYStreamID) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    public var description: String { "stream \(rawValue)" }
}

extension SPDYStreamID: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: UInt32) {
        self.init(value)
    }
}
