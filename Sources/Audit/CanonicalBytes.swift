/// Appends the primitive values of the canonical encoding: big-endian integers and
/// length-prefixed UTF-8 strings. See docs/canonical-encoding.md.
struct CanonicalByteWriter {
    /// Settable so a caller can swap its own buffer in and write into it without a copy.
    var bytes: [UInt8]

    init(reservingCapacity capacity: Int = 512) {
        self.bytes = []
        self.bytes.reserveCapacity(capacity)
    }

    mutating func write(_ value: UInt8) { bytes.append(value) }

    mutating func write<I: FixedWidthInteger>(_ value: I) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func write(bytes other: some Collection<UInt8>) { bytes.append(contentsOf: other) }

    mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { utf8 in
            write(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func write(_ string: String?) {
        guard let string else { return write(UInt8(0)) }
        write(UInt8(1))
        write(string)
    }

    mutating func write(_ strings: [String]) {
        write(UInt32(strings.count))
        for s in strings { write(s) }
    }

    /// Maps are written in ascending order of the keys' UTF-8 bytes, so equal maps encode equally.
    mutating func write(_ map: [String: String]) {
        write(UInt32(map.count))
        for key in map.keys.sorted(by: Self.utf8Less) {
            write(key)
            write(map[key]!)
        }
    }

    mutating func write(_ map: [String: [String]]) {
        write(UInt32(map.count))
        for key in map.keys.sorted(by: Self.utf8Less) {
            write(key)
            write(map[key]!)
        }
    }

    static func utf8Less(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}

/// Errors met while reading canonical bytes back.
public struct CanonicalDecodingError: Error, CustomStringConvertible, Equatable {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Reads what `CanonicalByteWriter` wrote, refusing anything truncated or malformed.
struct CanonicalByteReader {
    private let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func readByte() throws -> UInt8 {
        guard offset < bytes.count else { throw CanonicalDecodingError("truncated at byte \(offset)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func read<I: FixedWidthInteger>(_: I.Type) throws -> I {
        let size = MemoryLayout<I>.size
        guard bytes.count - offset >= size else { throw CanonicalDecodingError("truncated at byte \(offset)") }
        var value: I = 0
        for i in 0..<size { value = (value << 8) | I(bytes[offset + i]) }
        offset += size
        return value
    }

    mutating func readBytes(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count - offset >= count else {
            throw CanonicalDecodingError("truncated at byte \(offset)")
        }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func readString() throws -> String {
        let count = Int(try read(UInt32.self))
        let slice = try readBytes(count)
        guard let string = String(validating: slice, as: UTF8.self) else {
            throw CanonicalDecodingError("invalid UTF-8 at byte \(offset - count)")
        }
        return string
    }

    mutating func readOptionalString() throws -> String? {
        try readPresence() ? try readString() : nil
    }

    mutating func readPresence() throws -> Bool {
        switch try readByte() {
        case 0: return false
        case 1: return true
        case let other: throw CanonicalDecodingError("bad presence byte \(other) at byte \(offset - 1)")
        }
    }

    mutating func readStrings() throws -> [String] {
        let count = Int(try read(UInt32.self))
        guard count <= bytes.count - offset else { throw CanonicalDecodingError("bad count \(count)") }
        return try (0..<count).map { _ in try readString() }
    }

    mutating func readStringMap() throws -> [String: String] {
        let count = Int(try read(UInt32.self))
        guard count <= bytes.count - offset else { throw CanonicalDecodingError("bad count \(count)") }
        var map: [String: String] = [:]
        for _ in 0..<count {
            let key = try readString()
            map[key] = try readString()
        }
        return map
    }

    mutating func readStringListMap() throws -> [String: [String]] {
        let count = Int(try read(UInt32.self))
        guard count <= bytes.count - offset else { throw CanonicalDecodingError("bad count \(count)") }
        var map: [String: [String]] = [:]
        for _ in 0..<count {
            let key = try readString()
            map[key] = try readStrings()
        }
        return map
    }
}
