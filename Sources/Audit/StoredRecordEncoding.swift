import PostgresNIO

/// Writes an `AuditRow` as PostgreSQL would send the `ROW(…)` a query selects
/// (`StoredEventRow.record(includeBodies:)`), so that records built in memory go through the
/// same formatting as records read from the trail, and tests can hand the reader any bytes.
enum StoredRecordEncoding {
    static func encode(_ row: AuditRow, prevHash: [UInt8] = [], hash: [UInt8] = [], requestBody: [UInt8]? = nil, responseBody: [UInt8]? = nil) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        append(Int32(42), to: &out)
        func field(_ column: StoredColumn, _ value: [UInt8]?) {
            append(Int32(bitPattern: StoredColumn.shapes[column.rawValue].oid), to: &out)
            guard let value else { return append(Int32(-1), to: &out) }
            append(Int32(value.count), to: &out)
            out.append(contentsOf: value)
        }
        func text(_ column: StoredColumn, _ value: String?) { field(column, value.map { Array($0.utf8) }) }
        func bigint(_ column: StoredColumn, _ value: Int64) { field(column, bigEndian(value)) }
        func time(_ column: StoredColumn, _ value: Int64) { bigint(column, value &- PostgresMicroseconds.postgresEpoch) }

        text(.writerID, row.writerID)
        bigint(.seq, row.seq)
        time(.eventTime, row.eventTime)
        field(.prevHash, prevHash)
        field(.hash, hash)
        field(.auditID, withUnsafeBytes(of: row.auditID.uuid) { Array($0) })
        text(.kind, row.kind)
        text(.stage, row.stage)
        text(.level, row.level)
        time(.requestTime, row.requestTime)
        text(.verb, row.verb)
        text(.requestURI, row.requestURI)
        text(.username, row.username)
        text(.userUID, row.userUID)
        field(.groups, textArray(row.groups))
        text(.impersonatedUser, row.impersonatedUser)
        field(.sourceIPs, textArray(row.sourceIPs))
        text(.userAgent, row.userAgent)
        text(.apiGroup, row.apiGroup)
        text(.apiVersion, row.apiVersion)
        text(.resource, row.resource)
        text(.subresource, row.subresource)
        text(.namespace, row.namespace)
        text(.name, row.name)
        field(.statusCode, row.statusCode.map { bigEndian($0) })
        text(.cluster, row.cluster)
        text(.authnMethod, row.authnMethod)
        text(.credentialID, row.credentialID)
        text(.decision, row.decision)
        text(.decisionRule, row.decisionRule)
        bigint(.latencyMicroseconds, row.latencyMicroseconds)
        bigint(.bytesIn, row.bytesIn)
        bigint(.bytesOut, row.bytesOut)
        text(.sessionID, row.sessionID)
        text(.connectionID, row.connectionID)
        text(.kubectlSession, row.kubectlSession)
        text(.kubectlCommand, row.kubectlCommand)
        field(.extras, row.extras)
        text(.requestBodyType, row.requestBodyType)
        field(.requestBody, requestBody)
        text(.responseBodyType, row.responseBodyType)
        field(.responseBody, responseBody)
        return out
    }

    /// A one-dimensional `text[]` in PostgreSQL's binary array format (an empty one has no dimensions).
    static func textArray(_ strings: [String]) -> [UInt8] {
        var out: [UInt8] = []
        append(Int32(strings.isEmpty ? 0 : 1), to: &out)
        append(Int32(0), to: &out)  // no NULLs
        append(Int32(bitPattern: PostgresDataType.text.rawValue), to: &out)
        guard !strings.isEmpty else { return out }
        append(Int32(strings.count), to: &out)
        append(Int32(1), to: &out)  // lower bound
        for s in strings {
            append(Int32(s.utf8.count), to: &out)
            out.append(contentsOf: s.utf8)
        }
        return out
    }

    private static func bigEndian<I: FixedWidthInteger>(_ value: I) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    private static func append<I: FixedWidthInteger>(_ value: I, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }
}

extension AuditRecord {
    /// The record as the trail would return it: bodies, when the event carries them, stored
    /// uncompressed (format it with `.plain` bodies).
    func storedRecordBytes() -> [UInt8] {
        let canonical = CanonicalEvent(event: event, requestBody: requestBodyDigest, responseBody: responseBodyDigest)
        var row = AuditRow(writerID: writerID, seq: seq, event: canonical)
        row.requestBodyType = event.requestBody?.contentType ?? requestBodyDigest?.contentType
        row.responseBodyType = event.responseBody?.contentType ?? responseBodyDigest?.contentType
        return StoredRecordEncoding.encode(row, requestBody: event.requestBody?.bytes, responseBody: event.responseBody?.bytes)
    }
}
