import Foundation
import PostgresNIO

/// Reads the fields of one composite value in PostgreSQL's binary format (`record_send`):
/// `int32 count`, then per field `int32 type oid ‖ int32 length (-1: NULL) ‖ bytes`, all big-endian.
///
/// Works on the raw bytes of the cell, which must outlive the reader (it is used inside
/// `withUnsafeReadableBytes`); every length is checked against what is left, so a short or
/// malformed value is an error, never a read out of bounds.
struct StoredRecordReader: StoredFieldReader {
    private let raw: UnsafeRawBufferPointer
    private var offset = 4
    private var fieldsLeft: Int

    init(_ raw: UnsafeRawBufferPointer) throws {
        guard raw.count >= 4 else { throw CanonicalDecodingError("a stored record is truncated") }
        self.raw = raw
        self.fieldsLeft = Int(Int32(bitPattern: raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self).bigEndian))
        guard fieldsLeft >= 0 else { throw CanonicalDecodingError("a stored record has a negative field count") }
    }

    var isAtEnd: Bool { fieldsLeft == 0 && offset == raw.count }

    private func int32(at offset: Int) -> Int32 {
        Int32(bitPattern: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self).bigEndian)
    }

    /// The next field's bytes (nil for NULL), after checking its type is `type` or `alternative`.
    private mutating func next(_ type: PostgresDataType, or alternative: PostgresDataType? = nil) throws -> UnsafeRawBufferPointer? {
        guard fieldsLeft > 0, raw.count - offset >= 8 else { throw CanonicalDecodingError("a stored record has too few fields") }
        let oid = UInt32(bitPattern: int32(at: offset))
        let length = Int(int32(at: offset + 4))
        guard oid == type.rawValue || oid == alternative?.rawValue else {
            throw CanonicalDecodingError("a stored record's field has type \(oid), not \(type)")
        }
        fieldsLeft -= 1
        offset += 8
        if length == -1 { return nil }
        guard length >= 0, raw.count - offset >= length else { throw CanonicalDecodingError("a stored record's field is truncated") }
        defer { offset += length }
        return UnsafeRawBufferPointer(rebasing: raw[offset..<offset + length])
    }

    private mutating func required(_ type: PostgresDataType, or alternative: PostgresDataType? = nil) throws -> UnsafeRawBufferPointer {
        guard let bytes = try next(type, or: alternative) else { throw CanonicalDecodingError("a NOT NULL field is NULL") }
        return bytes
    }

    private static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    private static func integer<I: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer, _: I.Type) throws -> I {
        guard bytes.count == MemoryLayout<I>.size else { throw CanonicalDecodingError("an integer field has \(bytes.count) bytes") }
        return I(bigEndian: bytes.loadUnaligned(as: I.self))
    }

    mutating func text() throws -> String { Self.string(try required(.text, or: .varchar)) }

    mutating func optionalText() throws -> String? { try next(.text, or: .varchar).map(Self.string) }

    mutating func int64() throws -> Int64 { try Self.integer(try required(.int8), Int64.self) }

    mutating func optionalInt32() throws -> Int32? { try next(.int4).map { try Self.integer($0, Int32.self) } }

    mutating func timestamp() throws -> Int64 {
        try Self.integer(try required(.timestamptz, or: .timestamp), Int64.self) + PostgresMicroseconds.postgresEpoch
    }

    mutating func uuid() throws -> UUID {
        let bytes = try required(.uuid)
        guard bytes.count == 16 else { throw CanonicalDecodingError("a uuid field is not 16 bytes") }
        return UUID(uuid: bytes.loadUnaligned(as: uuid_t.self))
    }

    mutating func bytes() throws -> [UInt8] { Array(try required(.bytea)) }

    mutating func optionalBytes() throws -> [UInt8]? { try next(.bytea).map { Array($0) } }

    mutating func textArray() throws -> [String] {
        let b = try required(.textArray, or: .varcharArray)
        guard b.count >= 12 else { throw CanonicalDecodingError("a text[] header is truncated") }
        let dimensions = Self.int32(b, 0)
        if dimensions == 0 { return [] }
        guard dimensions == 1, b.count >= 20 else { throw CanonicalDecodingError("a text[] is not one-dimensional") }
        let count = Int(Self.int32(b, 12))
        guard count >= 0 else { throw CanonicalDecodingError("a text[] has a negative length") }
        var strings: [String] = []
        strings.reserveCapacity(count)
        var at = 20
        for _ in 0..<count {
            guard b.count - at >= 4 else { throw CanonicalDecodingError("a text[] is truncated") }
            let length = Int(Self.int32(b, at))
            at += 4
            guard length >= 0, b.count - at >= length else { throw CanonicalDecodingError("a text[] element is NULL or truncated") }
            strings.append(Self.string(UnsafeRawBufferPointer(rebasing: b[at..<at + length])))
            at += length
        }
        return strings
    }

    private static func int32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> Int32 {
        Int32(bitPattern: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self).bigEndian)
    }
}
