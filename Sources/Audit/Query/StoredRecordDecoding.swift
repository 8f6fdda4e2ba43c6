import PostgresNIO

extension AuditRecord {
    /// The record of one `audit_events` row selected as `StoredEventRow.record(includeBodies:)`,
    /// its bodies decompressed when they were selected.
    init(_ row: PostgresRow, decompressor: ZlibDecompressor) throws {
        try self.init(StoredEventRow(record: row), decompressor: decompressor)
    }

    init(_ stored: StoredEventRow, decompressor: ZlibDecompressor) throws {
        let canonical = try stored.row.event()
        var event = canonical.event
        if let body = stored.requestBody, let digest = canonical.requestBody {
            event.requestBody = Payload(contentType: digest.contentType, bytes: try decompressor.decompress(body))
        }
        if let body = stored.responseBody, let digest = canonical.responseBody {
            event.responseBody = Payload(contentType: digest.contentType, bytes: try decompressor.decompress(body))
        }
        self.init(writerID: stored.row.writerID, seq: UInt64(stored.row.seq), event: event,
                  requestBodyDigest: canonical.requestBody, responseBodyDigest: canonical.responseBody)
    }
}
