/// Why JSON text could not be parsed.
enum JSONParseError: Error, Equatable {
    /// The text ended inside a value: more bytes may complete it.
    case truncated
    /// The text is not JSON; `offset` is where it went wrong.
    case invalid(offset: Int)
    /// Nesting deeper than the parser allows.
    case tooDeep
}

/// A recursive-descent JSON parser over bytes (RFC 8259), with a nesting limit.
struct JSONParser {
    private let bytes: [UInt8]
    private var index: Int
    private let maximumDepth: Int

    init(_ bytes: [UInt8], maximumDepth: Int = 32) {
        self.bytes = bytes
        self.index = 0
        self.maximumDepth = maximumDepth
    }

    /// Parses exactly one value with only whitespace around it.
    static func parseDocument(_ bytes: [UInt8]) throws -> JSONValue {
        var parser = JSONParser(bytes)
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw JSONParseError.invalid(offset: parser.index) }
        return value
    }

    /// Parses the first value of `bytes`, returning it and how many bytes it used (whitespace
    /// before it included). Throws `.truncated` when the bytes end inside the value.
    static func parsePrefix(_ bytes: [UInt8]) throws -> (value: JSONValue, consumed: Int) {
        var parser = JSONParser(bytes)
        let value = try parser.parseValue(depth: 0)
        if case .number = value, parser.index == bytes.count {
            // A number at the very end might still go on.
            throw JSONParseError.truncated
        }
        return (value, parser.index)
    }

    /// Skips leading whitespace; returns the offset of the first other byte, or nil if none.
    static func firstNonWhitespace(_ bytes: [UInt8]) -> Int? {
        bytes.firstIndex { !Self.isWhitespace($0) }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private mutating func skipWhitespace() {
        while self.index < self.bytes.count, Self.isWhitespace(self.bytes[self.index]) {
            self.index += 1
        }
    }

    private mutating func next() throws -> UInt8 {
        guard self.index < self.bytes.count else { throw JSONParseError.truncated }
        defer { self.index += 1 }
        return self.bytes[self.index]
    }

    private func peek() throws -> UInt8 {
        guard self.index < self.bytes.count else { throw JSONParseError.truncated }
        return self.bytes[self.index]
    }

    private mutating func parseValue(depth: Int) throws -> JSONValue {
        guard depth <= self.maximumDepth else { throw JSONParseError.tooDeep }
        self.skipWhitespace()
        switch try self.peek() {
        case UInt8(ascii: "{"): return try self.parseObject(depth: depth)
        case UInt8(ascii: "["): return try self.parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try self.parseString())
        case UInt8(ascii: "t"): try self.expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try self.expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try self.expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try self.parseNumber())
        default: throw JSONParseError.invalid(offset: self.index)
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws {
        let start = self.index
        for expected in UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount) {
            guard try self.next() == expected else { throw JSONParseError.invalid(offset: start) }
        }
    }

    private mutating func parseObject(depth: Int) throws -> JSONValue {
        _ = try self.next()  // {
        var members: [(key: String, value: JSONValue)] = []
        self.skipWhitespace()
        if try self.peek() == UInt8(ascii: "}") {
            self.index += 1
            return .object(members)
        }
        while true {
            self.skipWhitespace()
            guard try self.peek() == UInt8(ascii: "\"") else { throw JSONParseError.invalid(offset: self.index) }
            let key = try self.parseString()
            self.skipWhitespace()
            guard try self.next() == UInt8(ascii: ":") else { throw JSONParseError.invalid(offset: self.index - 1) }
            let value = try self.parseValue(depth: depth + 1)
            members.append((key, value))
            self.skipWhitespace()
            switch try self.next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "}"): return .object(members)
            default: throw JSONParseError.invalid(offset: self.index - 1)
            }
        }
    }

    private mutating func parseArray(depth: Int) throws -> JSONValue {
        _ = try self.next()  // [
        var elements: [JSONValue] = []
        self.skipWhitespace()
        if try self.peek() == UInt8(ascii: "]") {
            self.index += 1
            return .array(elements)
        }
        while true {
            elements.append(try self.parseValue(depth: depth + 1))
            self.skipWhitespace()
            switch try self.next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "]"): return .array(elements)
            default: throw JSONParseError.invalid(offset: self.index - 1)
            }
        }
    }

    private mutating func parseNumber() throws -> String {
        let start = self.index
        func digits(_ parser: inout JSONParser) -> Int {
            var count = 0
            while parser.index < parser.bytes.count,
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.index])
            {
                parser.index += 1
                count += 1
            }
            return count
        }
        if try self.peek() == UInt8(ascii: "-") { self.index += 1 }
        let first = try self.peek()
        if first == UInt8(ascii: "0") {
            self.index += 1
        } else if digits(&self) == 0 {
            throw JSONParseError.invalid(offset: self.index)
        }
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ".") {
            self.index += 1
            guard self.index < self.bytes.count else { throw JSONParseError.truncated }
            if digits(&self) == 0 { throw JSONParseError.invalid(offset: self.index) }
        }
        if self.index < self.bytes.count, self.bytes[self.index] | 0x20 == UInt8(ascii: "e") {
            self.index += 1
            if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "+") || self.bytes[self.index] == UInt8(ascii: "-") {
                self.index += 1
            }
            guard self.index < self.bytes.count else { throw JSONParseError.truncated }
            if digits(&self) == 0 { throw JSONParseError.invalid(offset: self.index) }
        }
        return String(decoding: self.bytes[start..<self.index], as: UTF8.self)
    }

    private mutating func parseString() throws -> String {
        _ = try self.next()  // "
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flushRaw(_ raw: inout [UInt8], into scalars: inout String.UnicodeScalarView) {
            if !raw.isEmpty {
                // Invalid UTF-8 becomes U+FFFD, as in Go.
                scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                raw.removeAll(keepingCapacity: true)
            }
        }
        while true {
            let byte = try self.next()
            switch byte {
            case UInt8(ascii: "\""):
                flushRaw(&raw, into: &scalars)
                return String(scalars)
            case UInt8(ascii: "\\"):
                flushRaw(&raw, into: &scalars)
                let escape = try self.next()
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"): scalars.append(try self.parseUnicodeEscape())
                default: throw JSONParseError.invalid(offset: self.index - 1)
                }
            case 0x00..<0x20:
                throw JSONParseError.invalid(offset: self.index - 1)
            default:
                raw.append(byte)
            }
        }
    }

    private mutating func parseHex4() throws -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = try self.next()
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw JSONParseError.invalid(offset: self.index - 1)
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    private mutating func parseUnicodeEscape() throws -> Unicode.Scalar {
        let unit = try self.parseHex4()
        if UTF16.isLeadSurrogate(unit) {
            // A lone surrogate becomes U+FFFD (Go does the same).
            let save = self.index
            if self.index + 1 < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\\"),
                self.bytes[self.index + 1] == UInt8(ascii: "u")
            {
                self.index += 2
                let trail = try self.parseHex4()
                if UTF16.isTrailSurrogate(trail) {
                    let value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(trail) - 0xDC00)
                    return Unicode.Scalar(value) ?? "\u{FFFD}"
                }
                self.index = save
            } else if self.index + 6 > self.bytes.count {
                // The pair could still be completed by bytes not yet here.
                throw JSONParseError.truncated
            }
            return "\u{FFFD}"
        }
        return Unicode.Scalar(UInt32(unit)) ?? "\u{FFFD}"
    }
}
