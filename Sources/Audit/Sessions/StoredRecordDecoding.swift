import PostgresNIO

extension AuditRecord {
    /// The record of one `audit_events` row selected with `StoredEventRow.columns(includeBodies:)`,
    /// its bodies decompressed when they were selected.
    init(_ row: PostgresRow, includeBodies: Bool, decompressor: ZlibDecompressor) throws {
        let stored = try StoredEventRow(row)
        let canonical = try stored.row.event()
        var event = canonical.event
        if includeBodies {
            if let body = stored.requestBody, let digest = canonical.requestBody {
                event.requestBody = Payload(contentType: digest.contentType, bytes: try decompressor.decompress(body))
            }
            if let body = stored.responseBody, let digest = canonical.responseBody {
                event.responseBody = Payload(contentType: digest.contentType, bytes: try decompressor.decompress(body))
            }
        }
        self.init(writerID: stored.row.writerID, seq: UInt64(stored.row.seq), event: event,
                  requestBodyDigest: canonical.requestBody, responseBodyDigest: canonical.responseBody)
    }
}
