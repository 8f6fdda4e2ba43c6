/// A terminal's size in character cells, as carried on the resize channel.
///
/// The wire form is client-go's `TerminalSize` marshalled by Go: `{"Width":80,"Height":24}`
/// (kubectl's encoder adds a newline after each).
public struct TerminalSize: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Columns.
    public var width: UInt16
    /// Rows.
    public var height: UInt16

    public init(width: UInt16, height: UInt16) {
        self.width = width
        self.height = height
    }

    /// The JSON a client sends for this size (without the trailing newline).
    public var jsonString: String { "{\"Width\":\(self.width),\"Height\":\(self.height)}" }

    public var description: String { "\(self.width)x\(self.height)" }
}

/// Why the resize channel could not be decoded. After one of these, the server ignores the
/// rest of the channel, as Kubernetes does (its decoding goroutine stops).
public enum TerminalSizeDecodingError: Error, Equatable, CustomStringConvertible {
    /// The bytes are not JSON.
    case notJSON(offset: Int)
    /// JSON, but not an object (Go: cannot unmarshal … into TerminalSize).
    case notAnObject
    /// `Width` or `Height` is not an integer in 0...65535 (or null).
    case invalidDimension(field: String, value: String)
    /// One message grew past the decoder's limit without completing.
    case tooLarge(limit: Int)
    /// Nested deeper than the decoder allows.
    case tooDeep

    public var description: String {
        switch self {
        case .notJSON(let offset): return "resize message is not JSON (at byte \(offset))"
        case .notAnObject: return "resize message is not a JSON object"
        case .invalidDimension(let field, let value): return "resize \(field) \(value) is not an integer in 0...65535"
        case .tooLarge(let limit): return "resize message longer than \(limit) bytes"
        case .tooDeep: return "resize message nested too deeply"
        }
    }
}

/// Decodes the resize channel: a stream of JSON `TerminalSize` objects, possibly split across
/// or packed into messages (the server reads it like Go's `json.Decoder` over the channel's bytes).
///
/// Pure state machine: feed bytes with `append`, take sizes with `next()`.
public struct TerminalSizeStreamDecoder: Sendable {
    private var buffer: [UInt8] = []
    private var failed = false
    /// The longest a single pending JSON text may grow before decoding fails.
    public let maximumMessageLength: Int

    public init(maximumMessageLength: Int = 4096) {
        self.maximumMessageLength = maximumMessageLength
    }

    /// Whether a previous error stopped decoding for good.
    public var hasFailed: Bool { self.failed }

    /// Adds bytes received on the resize channel.
    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        guard !self.failed else { return }
        self.buffer.append(contentsOf: bytes)
    }

    /// The next complete size, nil if more bytes are needed (or decoding has failed before).
    /// Throws once when the stream turns out to be invalid; later calls return nil.
    public mutating func next() throws -> TerminalSize? {
        guard !self.failed else { return nil }
        guard let start = JSONParser.firstNonWhitespace(self.buffer) else {
            self.buffer.removeAll(keepingCapacity: true)
            return nil
        }
        let value: JSONValue
        do {
            let (parsed, consumed) = try JSONParser.parsePrefix(self.buffer)
            self.buffer.removeFirst(consumed)
            value = parsed
        } catch JSONParseError.truncated {
            if self.buffer.count - start > self.maximumMessageLength {
                throw self.failing(.tooLarge(limit: self.maximumMessageLength))
            }
            return nil
        } catch JSONParseError.invalid(let offset) {
            throw self.failing(.notJSON(offset: offset))
        } catch {
            throw self.failing(.tooDeep)
        }
        do {
            return try Self.size(from: value)
        } catch {
            throw self.failing(error)
        }
    }

    private mutating func failing(_ error: TerminalSizeDecodingError) -> TerminalSizeDecodingError {
        self.failed = true
        self.buffer = []
        return error
    }

    private static func size(from value: JSONValue) throws(TerminalSizeDecodingError) -> TerminalSize {
        guard case .object = value else { throw TerminalSizeDecodingError.notAnObject }
        return TerminalSize(
            width: try Self.dimension(value.member("Width"), field: "Width"),
            height: try Self.dimension(value.member("Height"), field: "Height")
        )
    }

    private static func dimension(_ value: JSONValue?, field: String) throws(TerminalSizeDecodingError) -> UInt16 {
        switch value {
        case .none, .null?:
            return 0
        case .number(let text)?:
            guard !text.hasPrefix("-"), let number = UInt16(text) else {
                throw TerminalSizeDecodingError.invalidDimension(field: field, value: text)
            }
            return number
        case .string(let text)?:
            throw TerminalSizeDecodingError.invalidDimension(field: field, value: GoJSON.quote(text))
        default:
            throw TerminalSizeDecodingError.invalidDimension(field: field, value: "non-number")
        }
    }
}
