import Audit
import Foundation
import PostgresNIO
import Synchronization
import Testing

/// `AuditExport` reads slices of the range at once: its lines must be exactly those of one
/// query over the whole range, in the same order, however the range is cut and however little
/// it may hold.
@Suite(.enabled(if: TestDatabase.enabled)) struct ExportTests {
    /// Lines as one ordinary query gives them.
    func reference(_ filter: AuditFilter, _ format: AuditRecordFormat, _ client: PostgresClient) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        try await AuditQuery(filter: filter, order: .oldestFirst).run(on: client) { record in
            bytes += Array(try format.line(record).utf8) + [0x0a]
        }
        return bytes
    }

    func exported(_ export: AuditExport, _ client: PostgresClient) async throws -> (bytes: [UInt8], count: Int) {
        let sink = Mutex<[UInt8]>([])
        let count = try await export.run(on: client) { chunk in sink.withLock { $0 += chunk } }
        return (sink.withLock { $0 }, count)
    }

    @Test func slicesComeOutInOrderWhateverTheCut() async throws {
        let events = QueryTests.trail
        try await TestDatabase.withFresh { url in
            _ = try await Fixtures.recordAndShip(events, spool: try TemporaryDirectory().path, url: url)
            try await url.withClient { client in
                var range = AuditFilter()
                range.since = QueryTests.start
                range.until = QueryTests.start.addingTimeInterval(11 * 86_400)
                var narrow = range
                narrow.users = ["user-3@example.com", "user-5@example.com"]
                narrow.since = QueryTests.start.addingTimeInterval(86_400 + 0.5)
                for filter in [range, narrow] {
                    for format in [AuditRecordFormat.json, .k8sAudit, .csv] {
                        let expected = try await reference(filter, format, client)
                        #expect(expected.count > 1000)
                        // (workers, slices, chunk bytes, held bytes): one slice; many small ones with
                        // tiny chunks and nothing held (every later slice waits its turn); more slices
                        // than workers can keep; more workers than slices.
                        for (workers, slices, chunk, held) in [(1, 1, 1 << 16, 1 << 20), (3, 17, 100, 0), (2, 256, 1 << 16, 16 << 20), (8, 3, 512, 4096)] {
                            var export = AuditExport(filter: filter, format: format, workers: workers, slices: slices)
                            export.chunkBytes = chunk
                            export.heldBytes = held
                            let (bytes, count) = try await exported(export, client)
                            #expect(bytes == expected, "\(format) with \(workers) workers, \(slices) slices")
                            #expect(count == expected.filter { $0 == 0x0a }.count)
                        }
                    }
                }
            }
        }
    }

    /// What a query reads back (now one composite value per row, parsed from its bytes) is the
    /// event that was recorded, field for field, bodies included when asked for.
    @Test func recordsReadBackAsRecorded() async throws {
        let events = QueryTests.trail
        try await TestDatabase.withFresh { url in
            _ = try await Fixtures.recordAndShip(events, spool: try TemporaryDirectory().path, url: url)
            for includeBodies in [false, true] {
                let read = try await url.withClient { client in
                    var read: [UUID: AuditEvent] = [:]
                    try await AuditQuery(order: .oldestFirst, includeBodies: includeBodies).run(on: client) { read[$0.event.auditID] = $0.event }
                    return read
                }
                #expect(read.count == events.count)
                for original in events {
                    var expected = original
                    // Stored at the chain's resolution, microseconds.
                    expected.requestReceivedTimestamp = Date(microsecondsSince1970: original.requestReceivedTimestamp.microsecondsSince1970)
                    expected.stageTimestamp = Date(microsecondsSince1970: original.stageTimestamp.microsecondsSince1970)
                    if !includeBodies {
                        expected.requestBody = nil
                        expected.responseBody = nil
                    }
                    #expect(read[original.auditID] == expected, "\(original.auditID)")
                }
            }
        }
    }

    @Test func anEmptyRangeExportsNothing() async throws {
        try await TestDatabase.withFresh { url in
            _ = try await Fixtures.recordAndShip(Array(QueryTests.trail.prefix(10)), spool: try TemporaryDirectory().path, url: url)
            var filter = AuditFilter()
            filter.since = Date(timeIntervalSince1970: 1_000_000_000)
            filter.until = Date(timeIntervalSince1970: 1_000_003_600)
            let count = try await url.withClient { client in
                try await exported(AuditExport(filter: filter, format: .json), client).count
            }
            #expect(count == 0)
            // Without both ends there is no range to cut: an error, not a crash.
            let refused: Bool = try await url.withClient { client in
                do {
                    try await AuditExport(filter: AuditFilter(), format: .json).run(on: client) { _ in }
                    return false
                } catch {
                    return error is InvalidQueryInput
                }
            }
            #expect(refused)
        }
    }
}
