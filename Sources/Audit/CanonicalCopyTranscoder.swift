/// Turns a chained event's canonical bytes straight into one COPY text row, without decoding
/// it into an `AuditEvent` first.
///
/// The shipper's hot path: no strings, arrays or dictionaries are built, only bytes copied and
/// escaped. It walks the layout of docs/canonical-encoding.md in order, so the COPY column list
/// follows that order. A differential test holds it to the decoding path (`AuditRow`).
enum CanonicalCopyTranscoder {
    /// The COPY column list, in the order rows are written.
    static let columns = [
        "writer_id", "seq", "prev_hash", "hash", "audit_id", "kind", "stage", "level", "verb", "request_uri",
        "username", "user_uid", "groups", "impersonated_user", "source_ips", "user_agent", "api_group", "api_version",
        "resource", "subresource", "namespace", "name", "status_code", "request_time", "event_time", "cluster",
        "authn_method", "credential_id", "decision", "decision_rule", "latency_us", "bytes_in", "bytes_out",
        "session_id", "connection_id", "kubectl_session", "kubectl_command", "request_body_type",
        "response_body_type", "extras", "request_body", "response_body",
    ]

    /// Appends one row; returns the event time (µs since 1970) for the partition it falls in.
    static func appendRow(
        link: ChainLink, canonical: UnsafeRawBufferPointer, requestBody: [UInt8]?, responseBody: [UInt8]?,
        to w: inout CopyTextWriter
    ) throws -> Int64 {
        var c = CanonicalByteCursor(canonical)
        guard try c.u8() == 1 else { throw CanonicalDecodingError("unknown canonical version") }
        w.field(link.writerID)
        w.field(Int64(link.seq))
        link.prevHash.withUnsafeBytes { w.beginBytea(); w.byteaPart($0); w.endBytea() }
        link.hash.withUnsafeBytes { w.beginBytea(); w.byteaPart($0); w.endBytea() }
        w.uuid(bytes: try c.bytes(16))
        for _ in 0..<5 { w.field(utf8: try c.string()) }  // kind, stage, level, verb, request URI
        w.field(utf8: try c.string())  // username
        optional(try c.optionalString(), &w)  // uid
        try array(&c, &w)  // groups
        let userExtra = try c.skipStringListMap()
        let impersonatedStart = c.offset
        if try c.presence() {
            w.field(utf8: try c.string())
            _ = try c.optionalString()
            _ = try c.skipStringList()
            _ = try c.skipStringListMap()
        } else {
            w.null(false)
        }
        let impersonated = c.range(from: impersonatedStart)
        try array(&c, &w)  // source IPs
        optional(try c.optionalString(), &w)  // user agent
        let hasObjectRef = try c.presence()
        for _ in 0..<6 {
            if hasObjectRef { optional(try c.optionalString(), &w) } else { w.null(false) }
        }
        var statusRange: UnsafeRawBufferPointer?
        if try c.presence() {
            w.field(Int64(Int32(bitPattern: try c.u32())))
            let start = c.offset
            for _ in 0..<3 { _ = try c.optionalString() }
            statusRange = c.range(from: start)
        } else {
            w.null(false)
        }
        let requestTime = try c.i64()
        let eventTime = try c.i64()
        w.timestamp(requestTime)
        w.timestamp(eventTime)
        let annotations = try c.skipStringMap()
        w.field(utf8: try c.string())  // cluster
        w.field(utf8: try c.string())  // authentication method
        optional(try c.optionalString(), &w)  // credential id
        w.field(utf8: try c.string())  // decision
        optional(try c.optionalString(), &w)  // decision rule
        for _ in 0..<3 { w.field(try c.i64()) }  // latency, bytes in, bytes out
        for _ in 0..<4 { optional(try c.optionalString(), &w) }  // session, connection, kubectl session, command
        var digests: [UnsafeRawBufferPointer?] = [nil, nil]
        for i in 0..<2 {
            if try c.presence() {
                w.field(utf8: try c.string())
                digests[i] = try c.bytes(40)  // u64 length ‖ SHA-256
            } else {
                w.null(false)
            }
        }
        guard c.isAtEnd else { throw CanonicalDecodingError("trailing bytes after the canonical event") }

        // extras: see AuditRowExtras.
        w.beginBytea()
        w.byteaPart(1)
        w.byteaPart(userExtra)
        w.byteaPart(impersonated)
        w.byteaPart(hasObjectRef ? 1 : 0)
        if let statusRange { w.byteaPart(statusRange) } else { for _ in 0..<3 { w.byteaPart(0) } }
        w.byteaPart(annotations)
        for digest in digests {
            if let digest { w.byteaPart(1); w.byteaPart(digest) } else { w.byteaPart(0) }
        }
        w.endBytea()

        for (body, last) in [(requestBody, false), (responseBody, true)] {
            if let body { body.withUnsafeBytes { w.beginBytea(); w.byteaPart($0); w.endBytea(last: last) } } else { w.null(last) }
        }
        return eventTime
    }

    private static func optional(_ value: UnsafeRawBufferPointer?, _ w: inout CopyTextWriter) {
        if let value { w.field(utf8: value) } else { w.null(false) }
    }

    private static func array(_ c: inout CanonicalByteCursor, _ w: inout CopyTextWriter) throws {
        let count = try c.u32()
        w.beginArray()
        for i in 0..<count { w.arrayElement(utf8: try c.string(), first: i == 0) }
        w.endArray()
    }
}
