import Foundation
import NIOCore
import PostgresNIO

/// A batch of event rows ready to insert in one statement: as COPY text or as UNNEST arrays.
///
/// `tools/bench audit` measures both on every run (BENCHMARKS.md); the shipper uses COPY,
/// the faster, staged straight from the canonical bytes by `CanonicalCopyTranscoder`. Either statement is atomic, so after a failure whose outcome is unknown the
/// shipper asks the database how far the writer got and sends only what is missing: nothing
/// is written twice, and the unique index on (writer, seq, time) refuses a duplicate outright.
public struct AuditRowBatch: Sendable {
    struct StagedRow: Sendable {
        var row: AuditRow
        var prevHash: [UInt8]
        var hash: [UInt8]
        var requestBody: [UInt8]?
        var responseBody: [UInt8]?
    }

    public let method: AuditStore.InsertMethod
    /// COPY: the rows as text, where each starts, and their seqs.
    private var copy = CopyTextWriter()
    private var rowStarts: [Int] = []
    private var seqs: [Int64] = []
    /// UNNEST: the rows decoded into columns.
    private(set) var rows: [StagedRow] = []

    public var count: Int { seqs.count }
    public var lastSeq: UInt64? { seqs.last.map { UInt64($0) } }
    /// The months (UTC, as µs of their first instant) the rows fall in: partitions to ensure.
    public private(set) var months: Set<Int64> = []
    private var lastMonth: Range<Int64>?

    public init(method: AuditStore.InsertMethod = .copy) {
        self.method = method
    }

    /// Adds one chained event: its columns from the chain record, its bodies compressed.
    public mutating func append(link: ChainLink, chainRecord: [UInt8], requestBody: Payload?, responseBody: Payload?, compressor: ZlibCompressor) throws {
        let (_, _, canonical) = try ChainRecord.parse(chainRecord)
        let compressedRequest = try requestBody.map { try compressor.compress($0.bytes) }
        let compressedResponse = try responseBody.map { try compressor.compress($0.bytes) }
        let eventTime: Int64
        switch method {
        case .copy:
            rowStarts.append(copy.count)
            eventTime = try canonical.withUnsafeBytes {
                try CanonicalCopyTranscoder.appendRow(link: link, canonical: $0, requestBody: compressedRequest, responseBody: compressedResponse, to: &copy)
            }
        case .unnest:
            let row = AuditRow(writerID: link.writerID, seq: link.seq, event: try CanonicalEventEncoding.decode(canonical))
            rows.append(StagedRow(row: row, prevHash: link.prevHash, hash: link.hash, requestBody: compressedRequest, responseBody: compressedResponse))
            eventTime = row.eventTime
        }
        seqs.append(Int64(link.seq))
        if !(lastMonth?.contains(eventTime) ?? false) {
            let month = Self.month(containing: eventTime)
            months.insert(month.lowerBound)
            lastMonth = month
        }
    }

    /// The rows with a seq above `seq` (those the database does not have yet).
    public func after(seq: UInt64) -> AuditRowBatch {
        guard let first = seqs.firstIndex(where: { $0 > Int64(seq) }) else { return AuditRowBatch(method: method) }
        guard first > 0 else { return self }
        var rest = AuditRowBatch(method: method)
        rest.seqs = Array(seqs[first...])
        rest.months = months
        switch method {
        case .copy:
            let cut = rowStarts[first]
            rest.rowStarts = rowStarts[first...].map { $0 - cut }
            rest.copy.append(contentsOf: copy.bytes[cut...])
        case .unnest:
            rest.rows = Array(rows[first...])
        }
        return rest
    }

    /// The UTC calendar month around an instant, in µs since 1970: one partition's range.
    static func month(containing microseconds: Int64) -> Range<Int64> {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let comps = calendar.dateComponents([.year, .month], from: Date(microsecondsSince1970: microseconds))
        let start = calendar.date(from: comps)!
        let end = calendar.date(byAdding: .month, value: 1, to: start)!
        return start.microsecondsSince1970..<end.microsecondsSince1970
    }

    /// The batch in COPY's text format (columns: `CanonicalCopyTranscoder.columns`).
    public var copyData: ByteBuffer { copy.buffer }

    // MARK: - UNNEST

    /// One `INSERT … SELECT * FROM UNNEST(…)` with every column bound as one array.
    /// With `skipExisting`, rows already stored are skipped (`ON CONFLICT DO NOTHING`).
    public func insertQuery(skipExisting: Bool = false) -> PostgresQuery {
        precondition(method == .unnest, "an UNNEST query needs a batch staged for UNNEST")
        let r = rows.map(\.row)
        var b = PostgresBindings(capacity: AuditRow.columns.count)
        b.append(r.map(\.writerID)); b.append(r.map(\.seq)); b.append(r.map(\.eventTime))
        b.append(rows.map { ByteBuffer(bytes: $0.prevHash) }); b.append(rows.map { ByteBuffer(bytes: $0.hash) })
        b.append(r.map(\.auditID)); b.append(r.map(\.kind)); b.append(r.map(\.stage)); b.append(r.map(\.level))
        b.append(r.map(\.requestTime)); b.append(r.map(\.verb)); b.append(r.map(\.requestURI)); b.append(r.map(\.username))
        b.append(NullableArray(r.map(\.userUID))); b.append(r.map { postgresArrayLiteral($0.groups) })
        b.append(NullableArray(r.map(\.impersonatedUser))); b.append(r.map { postgresArrayLiteral($0.sourceIPs) })
        b.append(NullableArray(r.map(\.userAgent))); b.append(NullableArray(r.map(\.apiGroup)))
        b.append(NullableArray(r.map(\.apiVersion))); b.append(NullableArray(r.map(\.resource)))
        b.append(NullableArray(r.map(\.subresource))); b.append(NullableArray(r.map(\.namespace)))
        b.append(NullableArray(r.map(\.name))); b.append(NullableArray(r.map(\.statusCode))); b.append(r.map(\.cluster))
        b.append(r.map(\.authnMethod)); b.append(NullableArray(r.map(\.credentialID))); b.append(r.map(\.decision))
        b.append(NullableArray(r.map(\.decisionRule))); b.append(r.map(\.latencyMicroseconds)); b.append(r.map(\.bytesIn))
        b.append(r.map(\.bytesOut)); b.append(NullableArray(r.map(\.sessionID))); b.append(NullableArray(r.map(\.connectionID)))
        b.append(NullableArray(r.map(\.kubectlSession))); b.append(NullableArray(r.map(\.kubectlCommand)))
        b.append(r.map { ByteBuffer(bytes: $0.extras) }); b.append(NullableArray(r.map(\.requestBodyType)))
        b.append(NullableArray(rows.map { $0.requestBody.map { ByteBuffer(bytes: $0) } }))
        b.append(NullableArray(r.map(\.responseBodyType)))
        b.append(NullableArray(rows.map { $0.responseBody.map { ByteBuffer(bytes: $0) } }))
        return PostgresQuery(unsafeSQL: skipExisting ? Self.insertSQL + "\nON CONFLICT DO NOTHING" : Self.insertSQL, binds: b)
    }

    static let insertSQL: String = {
        let types = [
            "text", "int8", "int8", "bytea", "bytea", "uuid", "text", "text", "text", "int8", "text", "text",
            "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "int4",
            "text", "text", "text", "text", "text", "int8", "int8", "int8", "text", "text", "text", "text", "bytea",
            "text", "bytea", "text", "bytea",
        ]
        precondition(types.count == AuditRow.columns.count)
        let params = types.enumerated().map { "$\($0.offset + 1)::\($0.element)[]" }.joined(separator: ", ")
        let names = AuditRow.columns.indices.map { "c\($0)" }
        var select = names
        let epoch = "timestamptz 'epoch' + interval '1 microsecond' * "
        select[2] = epoch + "c2"
        select[9] = epoch + "c9"
        select[14] = "c14::text[]"
        select[16] = "c16::text[]"
        return """
            INSERT INTO kubetrail.audit_events (\(AuditRow.columns.joined(separator: ", ")))
            SELECT \(select.joined(separator: ", ")) FROM UNNEST(\(params)) AS u(\(names.joined(separator: ", ")))
            """
    }()
}
