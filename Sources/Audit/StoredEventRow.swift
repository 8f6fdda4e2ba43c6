import Foundation
import NIOCore
import PostgresNIO

/// One `audit_events` row as stored, read in the column order of `StoredEventRow.columns`.
struct StoredEventRow {
    var row: AuditRow
    var prevHash: [UInt8]
    var hash: [UInt8]
    var requestBody: [UInt8]?
    var responseBody: [UInt8]?

    static let columns = AuditRow.columns.joined(separator: ", ")

    /// The select list as separate columns, for `init(_:)`; without bodies, NULLs stand in their
    /// places so the positions hold (the session queries, which read a few rows each).
    static func columns(includeBodies: Bool) -> String {
        includeBodies ? columns : AuditRow.columns.map { $0.hasSuffix("_body") ? "NULL::bytea AS \($0)" : $0 }.joined(separator: ", ")
    }

    /// The select list for queries, as one composite value `ROW(…)` for `init(record:)`. Queries
    /// need neither the chain's hashes nor (unless asked) the bodies: empty constants stand in
    /// their places so the positions hold, and the server sends a few bytes instead of two
    /// digests and two compressed bodies.
    static func record(includeBodies: Bool) -> String {
        "ROW(" + AuditRow.columns.map { column in
            switch column {
            case "prev_hash", "hash": return "''::bytea"
            case "request_body", "response_body": return includeBodies ? column : "NULL::bytea"
            default: return column
            }
        }.joined(separator: ", ") + ")"
    }

    /// Decodes the cells in order, straight from their bytes (the chain verifier's rows).
    init(_ postgresRow: PostgresRow) throws {
        var cells = StoredCellReader(postgresRow.makeIterator())
        try self.init(reading: &cells)
    }

    /// Decodes a row selected as `record(includeBodies:)`: one composite cell whose fields are
    /// parsed here from its bytes. postgres-nio makes a cell (its name, type and a slice of the
    /// buffer, each reference-counted) for every column of every row: one cell instead of 42.
    init(record postgresRow: PostgresRow) throws {
        guard let cell = postgresRow.first(where: { _ in true }), postgresRow.count == 1, cell.dataType == .record, cell.format == .binary,
              let bytes = cell.bytes else {
            throw CanonicalDecodingError("a stored row was not selected as one record")
        }
        self = try bytes.withUnsafeReadableBytes { raw in
            var fields = try StoredRecordReader(raw)
            let row = try StoredEventRow(reading: &fields)
            guard fields.isAtEnd else { throw CanonicalDecodingError("a stored record has more fields than a row") }
            return row
        }
    }

    private init<Fields: StoredFieldReader>(reading c: inout Fields) throws {
        let writerID = try c.text()
        let seq = try c.int64()
        let eventTime = try c.timestamp()
        self.prevHash = try c.bytes()
        self.hash = try c.bytes()
        self.row = AuditRow(
            writerID: writerID, seq: seq, eventTime: eventTime,
            auditID: try c.uuid(), kind: try c.text(), stage: try c.text(), level: try c.text(),
            requestTime: try c.timestamp(), verb: try c.text(), requestURI: try c.text(),
            username: try c.text(), userUID: try c.optionalText(), groups: try c.textArray(),
            impersonatedUser: try c.optionalText(), sourceIPs: try c.textArray(), userAgent: try c.optionalText(),
            apiGroup: try c.optionalText(), apiVersion: try c.optionalText(), resource: try c.optionalText(), subresource: try c.optionalText(),
            namespace: try c.optionalText(), name: try c.optionalText(), statusCode: try c.optionalInt32(),
            cluster: try c.text(), authnMethod: try c.text(), credentialID: try c.optionalText(), decision: try c.text(),
            decisionRule: try c.optionalText(), latencyMicroseconds: try c.int64(), bytesIn: try c.int64(), bytesOut: try c.int64(),
            sessionID: try c.optionalText(), connectionID: try c.optionalText(), kubectlSession: try c.optionalText(),
            kubectlCommand: try c.optionalText(), requestBodyType: nil, responseBodyType: nil,
            extras: try c.bytes())
        self.row.requestBodyType = try c.optionalText()
        self.requestBody = try c.optionalBytes()
        self.row.responseBodyType = try c.optionalText()
        self.responseBody = try c.optionalBytes()
    }
}

/// The values of a stored row, read in column order, each checked against the type asked for.
protocol StoredFieldReader {
    mutating func text() throws -> String
    mutating func optionalText() throws -> String?
    mutating func int64() throws -> Int64
    mutating func optionalInt32() throws -> Int32?
    /// A timestamptz as µs since 1970.
    mutating func timestamp() throws -> Int64
    mutating func uuid() throws -> UUID
    mutating func bytes() throws -> [UInt8]
    mutating func optionalBytes() throws -> [UInt8]?
    /// A one-dimensional `text[]` without NULL elements.
    mutating func textArray() throws -> [String]
}

/// Reads the cells of one row in order, each checked against the type the reader expects.
struct StoredCellReader: StoredFieldReader {
    private var cells: PostgresRow.Iterator

    init(_ cells: PostgresRow.Iterator) { self.cells = cells }

    /// The next cell's bytes (nil for NULL), after checking its type is `type` or `alternative`.
    private mutating func next(_ type: PostgresDataType, or alternative: PostgresDataType? = nil) throws -> ByteBuffer? {
        guard let cell = cells.next() else { throw CanonicalDecodingError("a stored row has too few columns") }
        guard cell.format == .binary, cell.dataType == type || cell.dataType == alternative else {
            throw CanonicalDecodingError("column \(cell.columnName) has type \(cell.dataType), not \(type)")
        }
        return cell.bytes
    }

    private mutating func required(_ type: PostgresDataType, or alternative: PostgresDataType? = nil) throws -> ByteBuffer {
        guard let bytes = try next(type, or: alternative) else { throw CanonicalDecodingError("a NOT NULL column is NULL") }
        return bytes
    }

    mutating func text() throws -> String { String(buffer: try required(.text, or: .varchar)) }

    mutating func optionalText() throws -> String? { try next(.text, or: .varchar).map { String(buffer: $0) } }

    mutating func int64() throws -> Int64 {
        var b = try required(.int8)
        guard b.readableBytes == 8, let v = b.readInteger(as: Int64.self) else { throw CanonicalDecodingError("a bigint is not 8 bytes") }
        return v
    }

    mutating func optionalInt32() throws -> Int32? {
        guard var b = try next(.int4) else { return nil }
        guard b.readableBytes == 4, let v = b.readInteger(as: Int32.self) else { throw CanonicalDecodingError("an integer is not 4 bytes") }
        return v
    }

    /// A timestamptz as µs since 1970.
    mutating func timestamp() throws -> Int64 {
        var b = try required(.timestamptz, or: .timestamp)
        guard b.readableBytes == 8, let v = b.readInteger(as: Int64.self) else { throw CanonicalDecodingError("a timestamp is not 8 bytes") }
        return v + PostgresMicroseconds.postgresEpoch
    }

    mutating func uuid() throws -> UUID {
        let b = try required(.uuid)
        guard b.readableBytes == 16 else { throw CanonicalDecodingError("a uuid is not 16 bytes") }
        return b.withUnsafeReadableBytes { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) }
    }

    mutating func bytes() throws -> [UInt8] { Array(buffer: try required(.bytea)) }

    mutating func optionalBytes() throws -> [UInt8]? { try next(.bytea).map { Array(buffer: $0) } }

    /// A one-dimensional `text[]` without NULL elements (PostgreSQL's binary array format).
    mutating func textArray() throws -> [String] {
        var b = try required(.textArray, or: .varcharArray)
        guard let dimensions = b.readInteger(as: Int32.self), b.readInteger(as: Int32.self) != nil,
              b.readInteger(as: UInt32.self) != nil else { throw CanonicalDecodingError("a text[] header is truncated") }
        if dimensions == 0 { return [] }
        guard dimensions == 1, let count = b.readInteger(as: Int32.self), count >= 0, b.readInteger(as: Int32.self) != nil else {
            throw CanonicalDecodingError("a text[] is not one-dimensional")
        }
        var strings: [String] = []
        strings.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let length = b.readInteger(as: Int32.self), length >= 0, let s = b.readString(length: Int(length)) else {
                throw CanonicalDecodingError("a text[] element is NULL or truncated")
            }
            strings.append(s)
        }
        return strings
    }
}
