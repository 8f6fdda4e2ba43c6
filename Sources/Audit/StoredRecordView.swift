import PostgresNIO

/// The columns of `audit_events`, in `AuditRow.columns` order: a stored record's field positions.
enum StoredColumn: Int, CaseIterable {
    case writerID, seq, eventTime, prevHash, hash, auditID, kind, stage, level, requestTime, verb, requestURI
    case username, userUID, groups, impersonatedUser, sourceIPs, userAgent
    case apiGroup, apiVersion, resource, subresource, namespace, name, statusCode
    case cluster, authnMethod, credentialID, decision, decisionRule, latencyMicroseconds, bytesIn, bytesOut
    case sessionID, connectionID, kubectlSession, kubectlCommand, extras
    case requestBodyType, requestBody, responseBodyType, responseBody

    /// The binary shape a field must have: its type (oid, with the one alternative accepted) and
    /// whether it may be NULL.
    struct Shape {
        var oid: UInt32
        var alternative: UInt32
        var nullable: Bool
        /// The exact byte length of a fixed-size type, 0 for variable ones.
        var width: Int32
    }

    static let shapes: [Shape] = allCases.map { column in
        let text = Shape(oid: PostgresDataType.text.rawValue, alternative: PostgresDataType.varchar.rawValue, nullable: false, width: 0)
        let textArray = Shape(oid: PostgresDataType.textArray.rawValue, alternative: PostgresDataType.varcharArray.rawValue, nullable: false, width: 0)
        let bigint = Shape(oid: PostgresDataType.int8.rawValue, alternative: PostgresDataType.int8.rawValue, nullable: false, width: 8)
        let time = Shape(oid: PostgresDataType.timestamptz.rawValue, alternative: PostgresDataType.timestamp.rawValue, nullable: false, width: 8)
        let bytea = Shape(oid: PostgresDataType.bytea.rawValue, alternative: PostgresDataType.bytea.rawValue, nullable: false, width: 0)
        func optional(_ shape: Shape) -> Shape { var s = shape; s.nullable = true; return s }
        switch column {
        case .writerID, .kind, .stage, .level, .verb, .requestURI, .username, .cluster, .authnMethod, .decision: return text
        case .seq, .latencyMicroseconds, .bytesIn, .bytesOut: return bigint
        case .eventTime, .requestTime: return time
        case .prevHash, .hash, .extras: return bytea
        case .auditID: return Shape(oid: PostgresDataType.uuid.rawValue, alternative: PostgresDataType.uuid.rawValue, nullable: false, width: 16)
        case .groups, .sourceIPs: return textArray
        case .statusCode: return Shape(oid: PostgresDataType.int4.rawValue, alternative: PostgresDataType.int4.rawValue, nullable: true, width: 4)
        case .requestBody, .responseBody: return optional(bytea)
        case .userUID, .impersonatedUser, .userAgent, .apiGroup, .apiVersion, .resource, .subresource, .namespace, .name,
             .credentialID, .decisionRule, .sessionID, .connectionID, .kubectlSession, .kubectlCommand, .requestBodyType,
             .responseBodyType:
            return optional(text)
        }
    }
}

/// One stored event's fields, located in the bytes of a `ROW(…)` value (PostgreSQL's binary
/// `record_send`: `int32 count`, then per field `int32 oid ‖ int32 length (-1: NULL) ‖ bytes`,
/// big-endian) and checked, but not copied.
///
/// Export's hot path formats lines straight from these bytes: no `AuditEvent`, no Strings. Every
/// field's type, nullability, fixed width and (for `text[]`) array structure is checked once, in
/// `init`, so the accessors cannot read out of bounds and need not throw. The view borrows
/// `raw`: use it only inside the `withUnsafeReadableBytes` that lent the bytes.
struct StoredRecordView {
    let raw: UnsafeRawBufferPointer
    /// Where each field's bytes start in `raw`, and how many there are (-1: NULL); one per
    /// `StoredColumn` (a test holds the two counts equal).
    private var starts = InlineArray<42, Int32>(repeating: 0)
    private var lengths = InlineArray<42, Int32>(repeating: -1)

    init(_ raw: UnsafeRawBufferPointer) throws {
        self.raw = raw
        guard raw.count >= 4, raw.count < Int(Int32.max) else { throw CanonicalDecodingError("a stored record is truncated") }
        guard Self.int32(raw, 0) == 42 else {
            throw CanonicalDecodingError("a stored record has \(Self.int32(raw, 0)) fields, not 42")
        }
        var offset = 4
        let shapes = StoredColumn.shapes
        for index in 0..<42 {
            guard raw.count - offset >= 8 else { throw CanonicalDecodingError("a stored record has too few fields") }
            let oid = UInt32(bitPattern: Self.int32(raw, offset))
            let length = Self.int32(raw, offset + 4)
            let shape = shapes[index]
            guard oid == shape.oid || oid == shape.alternative else {
                throw CanonicalDecodingError("a stored record's \(StoredColumn.allCases[index]) has type \(oid)")
            }
            offset += 8
            if length == -1 {
                guard shape.nullable else { throw CanonicalDecodingError("a stored record's \(StoredColumn.allCases[index]) is NULL") }
                continue
            }
            guard length >= 0, raw.count - offset >= Int(length), shape.width == 0 || length == shape.width else {
                throw CanonicalDecodingError("a stored record's \(StoredColumn.allCases[index]) is truncated or of the wrong size")
            }
            starts[index] = Int32(offset)
            lengths[index] = length
            if shape.oid == PostgresDataType.textArray.rawValue {
                try StoredTextArray.check(UnsafeRawBufferPointer(rebasing: raw[offset..<offset + Int(length)]))
            }
            offset += Int(length)
        }
        guard offset == raw.count else { throw CanonicalDecodingError("a stored record has more fields than a row") }
    }

    /// The field's bytes, nil when it is NULL.
    func bytes(_ column: StoredColumn) -> UnsafeRawBufferPointer? {
        let length = lengths[column.rawValue]
        guard length >= 0 else { return nil }
        let start = Int(starts[column.rawValue])
        return UnsafeRawBufferPointer(rebasing: raw[start..<start + Int(length)])
    }

    /// A NOT NULL field's bytes (text as UTF-8).
    func required(_ column: StoredColumn) -> UnsafeRawBufferPointer {
        bytes(column) ?? UnsafeRawBufferPointer(start: nil, count: 0)
    }

    /// An `int8` or timestamp column (checked 8 bytes wide by `init`).
    func int64(_ column: StoredColumn) -> Int64 {
        assert(StoredColumn.shapes[column.rawValue].width == 8, "\(column) is not 8 bytes wide")
        return Int64(bigEndian: required(column).loadUnaligned(as: Int64.self))
    }

    /// An `int4` column (checked 4 bytes wide by `init`).
    func optionalInt32(_ column: StoredColumn) -> Int32? {
        assert(StoredColumn.shapes[column.rawValue].width == 4, "\(column) is not 4 bytes wide")
        return bytes(column).map { Int32(bigEndian: $0.loadUnaligned(as: Int32.self)) }
    }

    /// A timestamp as µs since 1970. PostgreSQL's `infinity` (stored as Int64.max) stays
    /// Int64.max; its `-infinity` reads as a date some 290,000 years BC.
    func timestamp(_ column: StoredColumn) -> Int64 {
        let (moved, overflow) = int64(column).addingReportingOverflow(PostgresMicroseconds.postgresEpoch)
        return overflow ? .max : moved
    }

    /// A `text[]` column (its structure checked by `init`).
    func textArray(_ column: StoredColumn) -> StoredTextArray {
        assert(StoredColumn.shapes[column.rawValue].oid == PostgresDataType.textArray.rawValue, "\(column) is not a text[]")
        return StoredTextArray(checked: required(column))
    }

    static func int32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> Int32 {
        Int32(bitPattern: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self).bigEndian)
    }
}

/// The elements of a one-dimensional `text[]` without NULLs, in PostgreSQL's binary array format,
/// read in place (`int32 dims ‖ int32 has-nulls ‖ oid ‖ [int32 length ‖ int32 lower bound] ‖ elements`).
struct StoredTextArray: Sequence {
    private let bytes: UnsafeRawBufferPointer

    /// Bytes that `check` accepted.
    init(checked bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var count: Int { bytes.count < 20 ? 0 : Int(StoredRecordView.int32(bytes, 12)) }

    /// Refuses anything but a well-formed one-dimensional array (or an empty one) of non-NULL elements.
    static func check(_ b: UnsafeRawBufferPointer) throws {
        guard b.count >= 12 else { throw CanonicalDecodingError("a text[] header is truncated") }
        let dimensions = StoredRecordView.int32(b, 0)
        if dimensions == 0 {
            guard b.count == 12 else { throw CanonicalDecodingError("an empty text[] has trailing bytes") }
            return
        }
        guard dimensions == 1, b.count >= 20 else { throw CanonicalDecodingError("a text[] is not one-dimensional") }
        let count = Int(StoredRecordView.int32(b, 12))
        guard count >= 0 else { throw CanonicalDecodingError("a text[] has a negative length") }
        var at = 20
        for _ in 0..<count {
            guard b.count - at >= 4 else { throw CanonicalDecodingError("a text[] is truncated") }
            let length = Int(StoredRecordView.int32(b, at))
            at += 4
            guard length >= 0, b.count - at >= length else { throw CanonicalDecodingError("a text[] element is NULL or truncated") }
            at += length
        }
        guard at == b.count else { throw CanonicalDecodingError("a text[] has trailing bytes") }
    }

    struct Iterator: IteratorProtocol {
        let bytes: UnsafeRawBufferPointer
        var left: Int
        var at = 20

        mutating func next() -> UnsafeRawBufferPointer? {
            guard left > 0 else { return nil }
            left -= 1
            let length = Int(StoredRecordView.int32(bytes, at))
            defer { at += 4 + length }
            return UnsafeRawBufferPointer(rebasing: bytes[at + 4..<at + 4 + length])
        }
    }

    func makeIterator() -> Iterator { Iterator(bytes: bytes, left: count) }
}
