import Foundation
import NIOCore
import PostgresNIO

/// One `audit_events` row as stored, decoded from the record `StoredEventRow.record(…)` selects.
struct StoredEventRow {
    var row: AuditRow
    var prevHash: [UInt8]
    var hash: [UInt8]
    var requestBody: [UInt8]?
    var responseBody: [UInt8]?

    /// The select list: the whole row as one composite value `ROW(…)`, read by `init(record:)`
    /// (postgres-nio makes a reference-counted cell for every column of every row: one instead of
    /// 42). Unless asked for, the hashes and bodies are not sent: empty constants and NULLs stand
    /// in their places so the positions hold.
    static func record(includeBodies: Bool, includeHashes: Bool = false) -> String {
        "ROW(" + AuditRow.columns.map { column in
            switch column {
            case "prev_hash", "hash": return includeHashes ? column : "''::bytea"
            case "request_body", "response_body": return includeBodies ? column : "NULL::bytea"
            default: return column
            }
        }.joined(separator: ", ") + ")"
    }

    /// Decodes a row whose first column is `record(…)` (columns after it, selected for ordering, are ignored).
    init(record postgresRow: PostgresRow) throws {
        self = try Self.withView(postgresRow) { StoredEventRow($0) }
    }

    /// Lends `body` the view of a row whose first column is `record(…)`, for as long as it runs.
    static func withView<T>(_ postgresRow: PostgresRow, _ body: (StoredRecordView) throws -> T) throws -> T {
        guard let cell = postgresRow.first(where: { _ in true }), cell.dataType == .record, cell.format == .binary,
              let bytes = cell.bytes else {
            throw CanonicalDecodingError("a stored row was not selected as one record")
        }
        return try bytes.withUnsafeReadableBytes { try body(StoredRecordView($0)) }
    }

    init(_ r: StoredRecordView) {
        func text(_ column: StoredColumn) -> String { String(decoding: r.required(column), as: UTF8.self) }
        func optionalText(_ column: StoredColumn) -> String? { r.bytes(column).map { String(decoding: $0, as: UTF8.self) } }
        func strings(_ column: StoredColumn) -> [String] { r.textArray(column).map { String(decoding: $0, as: UTF8.self) } }
        self.prevHash = Array(r.required(.prevHash))
        self.hash = Array(r.required(.hash))
        self.requestBody = r.bytes(.requestBody).map { Array($0) }
        self.responseBody = r.bytes(.responseBody).map { Array($0) }
        self.row = AuditRow(
            writerID: text(.writerID), seq: r.int64(.seq), eventTime: r.timestamp(.eventTime),
            auditID: UUID(uuid: r.required(.auditID).loadUnaligned(as: uuid_t.self)), kind: text(.kind), stage: text(.stage),
            level: text(.level), requestTime: r.timestamp(.requestTime), verb: text(.verb), requestURI: text(.requestURI),
            username: text(.username), userUID: optionalText(.userUID), groups: strings(.groups),
            impersonatedUser: optionalText(.impersonatedUser), sourceIPs: strings(.sourceIPs), userAgent: optionalText(.userAgent),
            apiGroup: optionalText(.apiGroup), apiVersion: optionalText(.apiVersion), resource: optionalText(.resource),
            subresource: optionalText(.subresource), namespace: optionalText(.namespace), name: optionalText(.name),
            statusCode: r.optionalInt32(.statusCode), cluster: text(.cluster), authnMethod: text(.authnMethod),
            credentialID: optionalText(.credentialID), decision: text(.decision), decisionRule: optionalText(.decisionRule),
            latencyMicroseconds: r.int64(.latencyMicroseconds), bytesIn: r.int64(.bytesIn), bytesOut: r.int64(.bytesOut),
            sessionID: optionalText(.sessionID), connectionID: optionalText(.connectionID),
            kubectlSession: optionalText(.kubectlSession), kubectlCommand: optionalText(.kubectlCommand),
            requestBodyType: optionalText(.requestBodyType), responseBodyType: optionalText(.responseBodyType),
            extras: Array(r.required(.extras)))
    }
}
