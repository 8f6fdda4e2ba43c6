import Foundation

/// How records are printed: an aligned table, JSON lines, CSV, or Kubernetes audit events.
///
/// Every format writes from a stored record's bytes (`StoredRecordView`), as export reads them
/// from the trail: no `AuditEvent` and no Strings per field on that path. A record built in
/// memory is first written as those bytes, so both print through the same code.
public enum AuditRecordFormat: String, Sendable, CaseIterable {
    case table
    case json
    case csv
    /// `audit.k8s.io/v1` Event JSON lines, as kube-apiserver's log backend writes them, so that
    /// SIEM pipelines built for apiserver audit logs ingest Kubetrail's unchanged.
    case k8sAudit = "k8s-audit"

    /// The first line, if the format has one.
    public var header: String? {
        switch self {
        case .table: return Self.textTable.header
        case .csv: return Self.csvColumns.joined(separator: ",")
        case .json, .k8sAudit: return nil
        }
    }

    /// One record as one line, without its newline.
    public func line(_ record: AuditRecord) throws -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1024)
        try write(record, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends one record as one line, without its newline, to `bytes`.
    public func write(_ record: AuditRecord, into bytes: inout [UInt8]) throws {
        let stored = record.storedRecordBytes()
        try stored.withUnsafeBytes { raw in
            try write(StoredRecordView(raw), bodies: .plain, into: &bytes)
        }
    }

    /// Appends the line of a record read from the trail, without its newline: export's hot path.
    func write(_ r: StoredRecordView, bodies: StoredBodies, into bytes: inout [UInt8]) throws {
        switch self {
        case .table: bytes.append(contentsOf: Self.tableLine(r).utf8)
        case .csv: Self.csvLine(r, into: &bytes)
        case .json, .k8sAudit:
            var j = JSONText(appendingTo: [])
            swap(&j.bytes, &bytes)
            defer { swap(&j.bytes, &bytes) }
            if self == .json { try Self.jsonLine(r, bodies, &j) } else { try Self.k8sAuditLine(r, bodies, &j) }
        }
    }

    // MARK: table

    static let textTable = TextTable(columns: [
        ("TIME", 24), ("USER", 22), ("CLUSTER", 14), ("VERB", 8), ("RESOURCE", 14), ("NAMESPACE/NAME", 30), ("CODE", 4), ("DECISION", 8),
    ])

    static func tableLine(_ r: StoredRecordView) -> String {
        func text(_ column: StoredColumn) -> String? { r.bytes(column).map { String(decoding: $0, as: UTF8.self) } }
        let target = [text(.namespace), text(.name)].compactMap { $0 }.joined(separator: "/")
        let resource = [text(.resource), text(.subresource)].compactMap { $0 }.joined(separator: "/")
        let cells = [
            millisecondTime(r.timestamp(.eventTime)), text(.username)!, text(.cluster)!,
            text(.verb)!, resource.isEmpty ? "-" : resource, target.isEmpty ? text(.requestURI)! : target,
            r.optionalInt32(.statusCode).map { String($0) } ?? "-", text(.decision)!,
        ]
        return textTable.line(cells)
    }

    /// RFC 3339 to the millisecond: the microseconds' last three digits cut.
    static func millisecondTime(_ microseconds: Int64) -> String {
        var bytes: [UInt8] = []
        CivilTime.write(microseconds, dateTimeSeparator: UInt8(ascii: "T"), suffix: "Z", into: &bytes)
        return String(decoding: bytes.dropLast(4), as: UTF8.self) + "Z"
    }

    // MARK: CSV (RFC 4180)

    static let csvColumns = [
        "time", "writer", "seq", "audit_id", "kind", "stage", "user", "groups", "impersonated_user", "cluster", "verb",
        "api_group", "resource", "subresource", "namespace", "name", "status", "decision", "rule", "latency_us", "bytes_in",
        "bytes_out", "source_ips", "user_agent", "session", "kubectl_session", "kubectl_command", "request_uri",
    ]

    static func csvLine(_ r: StoredRecordView, into out: inout [UInt8]) {
        var scratch: [UInt8] = []
        var first = true
        func field(_ bytes: UnsafeRawBufferPointer?) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            if let bytes { appendCSVField(bytes, to: &out) }
        }
        func column(_ c: StoredColumn) { field(r.bytes(c)) }
        func made(_ build: (inout [UInt8]) -> Void) {
            scratch.removeAll(keepingCapacity: true)
            build(&scratch)
            scratch.withUnsafeBytes { field($0) }
        }
        func joined(_ c: StoredColumn) {
            made { s in
                for (i, element) in r.textArray(c).enumerated() {
                    if i > 0 { s.append(UInt8(ascii: ";")) }
                    s.append(contentsOf: element)
                }
            }
        }
        func decimal(_ value: Int64?) { made { s in if let value { JSONText.writeDecimal(value, into: &s) } } }

        made { CivilTime.write(r.timestamp(.eventTime), dateTimeSeparator: UInt8(ascii: "T"), suffix: "Z", into: &$0) }
        column(.writerID)
        decimal(r.int64(.seq))
        made { JSONText.writeUUID(r.required(.auditID), into: &$0) }
        for c: StoredColumn in [.kind, .stage, .username] { column(c) }
        joined(.groups)
        for c: StoredColumn in [.impersonatedUser, .cluster, .verb, .apiGroup, .resource, .subresource, .namespace, .name] { column(c) }
        decimal(r.optionalInt32(.statusCode).map(Int64.init))
        column(.decision)
        column(.decisionRule)
        for c: StoredColumn in [.latencyMicroseconds, .bytesIn, .bytesOut] { decimal(r.int64(c)) }
        joined(.sourceIPs)
        for c: StoredColumn in [.userAgent, .sessionID, .kubectlSession, .kubectlCommand, .requestURI] { column(c) }
    }

    /// One field as RFC 4180 wants it: quoted, with its quotes doubled, when it holds a comma,
    /// quote or line break. Bytes that are not UTF-8 are written with each bad sequence as U+FFFD.
    static func appendCSVField(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        if bytes.contains(where: { $0 >= 0x80 }), !JSONText.isUTF8(bytes) {
            var repaired = String(decoding: bytes, as: UTF8.self)
            return repaired.withUTF8 { appendCSVField(UnsafeRawBufferPointer($0), to: &out) }
        }
        guard bytes.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0a || $0 == 0x0d }) else {
            return out.append(contentsOf: bytes)
        }
        out.append(UInt8(ascii: "\""))
        for byte in bytes {
            if byte == UInt8(ascii: "\"") { out.append(byte) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
    }

    static func csvField(_ s: String) -> String {
        var s = s
        var out: [UInt8] = []
        s.withUTF8 { appendCSVField(UnsafeRawBufferPointer($0), to: &out) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// How a stored record's body fields hold their bytes: compressed, as the trail stores them, or
/// as they are (a record built in memory).
enum StoredBodies {
    case compressed(ZlibDecompressor)
    case plain

    func payload(_ stored: UnsafeRawBufferPointer) throws -> [UInt8] {
        switch self {
        case .compressed(let decompressor): return try decompressor.decompress(Array(stored))
        case .plain: return Array(stored)
        }
    }
}
