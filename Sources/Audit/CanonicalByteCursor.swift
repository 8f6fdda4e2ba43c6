/// A bounds-checked reader over canonical bytes, handing out slices rather than copies.
struct CanonicalByteCursor {
    let base: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ base: UnsafeRawBufferPointer) { self.base = base }

    var isAtEnd: Bool { offset == base.count }

    mutating func bytes(_ n: Int) throws -> UnsafeRawBufferPointer {
        guard n >= 0, base.count - offset >= n else { throw CanonicalDecodingError("truncated at byte \(offset)") }
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: base[offset..<offset + n])
    }

    mutating func u8() throws -> UInt8 { try bytes(1)[0] }

    mutating func u32() throws -> UInt32 {
        let b = try bytes(4)
        return UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
    }

    mutating func i64() throws -> Int64 {
        let b = try bytes(8)
        var v: UInt64 = 0
        for byte in b { v = v << 8 | UInt64(byte) }
        return Int64(bitPattern: v)
    }

    mutating func presence() throws -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        case let other: throw CanonicalDecodingError("bad presence byte \(other)")
        }
    }

    mutating func string() throws -> UnsafeRawBufferPointer { try bytes(Int(try u32())) }

    mutating func optionalString() throws -> UnsafeRawBufferPointer? { try presence() ? try string() : nil }

    func range(from start: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: base[start..<offset]) }

    /// Skips a `list<str>`, returning its bytes.
    mutating func skipStringList() throws -> UnsafeRawBufferPointer {
        let start = offset
        for _ in 0..<(try u32()) { _ = try string() }
        return range(from: start)
    }

    /// Skips a `map<str, list<str>>`, returning its bytes.
    mutating func skipStringListMap() throws -> UnsafeRawBufferPointer {
        let start = offset
        for _ in 0..<(try u32()) {
            _ = try string()
            _ = try skipStringList()
        }
        return range(from: start)
    }

    /// Skips a `map<str, str>`, returning its bytes.
    mutating func skipStringMap() throws -> UnsafeRawBufferPointer {
        let start = offset
        for _ in 0..<(try u32()) {
            _ = try string()
            _ = try string()
        }
        return range(from: start)
    }
}
