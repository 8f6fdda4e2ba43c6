import Foundation
import Testing

@testable import Audit

/// The record reader that queries, sessions, the verifier and export all go through: what it
/// accepts comes back field for field, and bytes it must refuse never read out of bounds.
@Suite struct StoredRecordViewTests {
    static var records: [AuditRecord] {
        var events = Fixtures.events(40)
        events.append(CanonicalEventEncodingTests.fixed)
        var bare = CanonicalEventEncodingTests.fixed
        bare.user = UserInfo(username: "", groups: [])
        bare.sourceIPs = []
        bare.objectRef = nil
        bare.responseStatus = nil
        bare.impersonatedUser = UserInfo(username: "carol", uid: "u-7", groups: ["g"], extra: ["k": ["v1", "v2"]])
        events.append(bare)
        return events.enumerated().map { AuditRecord(writerID: "writer-\($0.offset % 3)", seq: UInt64($0.offset + 1), event: $0.element) }
    }

    static func row(_ record: AuditRecord) -> AuditRow {
        AuditRow(writerID: record.writerID, seq: record.seq, event: CanonicalEvent(event: record.event, requestBody: record.requestBodyDigest, responseBody: record.responseBodyDigest))
    }

    @Test func theViewHasAPlaceForEveryColumn() {
        #expect(StoredColumn.allCases.count == 42 && AuditRow.columns.count == 42 && StoredColumn.shapes.count == 42)
    }

    @Test func everyFieldComesBack() throws {
        for record in Self.records {
            let row = Self.row(record)
            let body: [UInt8] = [0x78, 0x9c, 0x01]
            let bytes = StoredRecordEncoding.encode(row, prevHash: Array(repeating: 7, count: 32), hash: Array(repeating: 9, count: 32), requestBody: body)
            let stored = try bytes.withUnsafeBytes { StoredEventRow(try StoredRecordView($0)) }
            #expect(stored.row == row)
            #expect(stored.prevHash == Array(repeating: 7, count: 32) && stored.hash == Array(repeating: 9, count: 32))
            #expect(stored.requestBody == body && stored.responseBody == nil)
            // A row holds the bodies' digests and compressed bytes, not the event's payloads.
            var expected = record.event
            expected.requestBody = nil
            expected.responseBody = nil
            let decoded = try stored.row.event().event
            #expect(decoded == expected)
        }
    }

    @Test func textArraysReadInPlace() throws {
        for strings in [[], [""], ["a"], ["dev", "system:authenticated", "ünï 🚀"]] {
            let bytes = StoredRecordEncoding.textArray(strings)
            try bytes.withUnsafeBytes { raw in
                try StoredTextArray.check(raw)
                let array = StoredTextArray(checked: raw)
                #expect(array.count == strings.count)
                #expect(array.map { String(decoding: $0, as: UTF8.self) } == strings)
            }
        }
    }

    /// Every proper prefix of a record is refused: the reader checks each length before it reads.
    @Test func everyTruncationIsRefused() throws {
        let bytes = Self.records.last!.storedRecordBytes()
        for length in 0..<bytes.count {
            let prefix = Array(bytes[..<length])
            #expect(throws: CanonicalDecodingError.self) { try prefix.withUnsafeBytes { _ = try StoredRecordView($0) } }
        }
        let longer = bytes + [0]
        #expect(throws: CanonicalDecodingError.self) { try longer.withUnsafeBytes { _ = try StoredRecordView($0) } }
    }

    /// Changed bytes are either refused or read within bounds; decoding what was accepted never traps.
    @Test func corruptedRecordsNeverReadOutOfBounds() throws {
        let original = Self.records[41].storedRecordBytes()
        var random = SystemRandomNumberGenerator()
        var refused = 0
        var formatted = 0
        for _ in 0..<20_000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            bytes.withUnsafeBytes { raw in
                guard let view = try? StoredRecordView(raw) else { refused += 1; return }
                let stored = StoredEventRow(view)
                _ = try? stored.row.event()
                var line: [UInt8] = []
                for format in AuditRecordFormat.allCases where (try? format.write(view, bodies: .plain, into: &line)) != nil {
                    formatted += 1
                }
            }
        }
        // Both kinds happened: some changes were caught, and the formats ran over the others.
        #expect(refused > 0 && formatted > 0)
    }

    @Test func fieldsOfTheWrongShapeAreRefused() throws {
        let row = Self.row(Self.records[0])
        func refuses(_ change: (inout [UInt8]) -> Void) {
            var bytes = StoredRecordEncoding.encode(row)
            change(&bytes)
            #expect(throws: CanonicalDecodingError.self) { try bytes.withUnsafeBytes { _ = try StoredRecordView($0) } }
        }
        refuses { $0[3] = 41 }  // 41 fields
        refuses { $0[4 + 3] = 0x15 }  // writer_id typed int2
        refuses { bytes in  // writer_id NULL
            bytes.replaceSubrange(8..<12 + Int(row.writerID.utf8.count), with: [0xff, 0xff, 0xff, 0xff])
        }
        refuses { bytes in  // seq 4 bytes long, the record still consistent in its lengths
            let at = 12 + row.writerID.utf8.count
            bytes.replaceSubrange(at + 4..<at + 16, with: [0, 0, 0, 4, 0, 0, 0, 1])
        }
    }

    /// PostgreSQL's 'infinity' and '-infinity', and years past 9999, print (ISO 8601's expanded
    /// years) instead of trapping on overflow.
    @Test func timesBeyondTheCalendarStillPrint() throws {
        var row = Self.row(Self.records[0])
        let epoch = PostgresMicroseconds.postgresEpoch
        // event_time as µs since 1970 (the encoder stores it minus the epoch, wrapping, so the
        // stored values can be PostgreSQL's infinities themselves).
        for (eventTime, time) in [
            (Int64.max &+ epoch, "+294247-01-10T04:00:54.775807Z"),  // stored 'infinity': read as Int64.max
            (Int64.min &+ epoch, "-290278-12-22T19:59:05.224192Z"),  // stored '-infinity'
            (253_402_300_800_000_000, "+10000-01-01T00:00:00.000000Z"),
            (-62_167_219_200_000_001, "-0001-12-31T23:59:59.999999Z"),
        ] {
            row.eventTime = eventTime
            let bytes = StoredRecordEncoding.encode(row)
            for format in AuditRecordFormat.allCases {
                var line: [UInt8] = []
                try bytes.withUnsafeBytes { try format.write(StoredRecordView($0), bodies: .plain, into: &line) }
                if format == .json { #expect(String(decoding: line, as: UTF8.self).hasPrefix("{\"time\":\"\(time)\"")) }
            }
        }
    }

    /// A row whose bytes are not UTF-8 (a damaged extras value, a database not in UTF8) still
    /// prints valid JSON and CSV, the bad bytes as U+FFFD.
    @Test func bytesThatAreNotUTF8PrintAsReplacementCharacters() throws {
        var event = CanonicalEventEncodingTests.fixed
        event.user = UserInfo(username: "zq-user", groups: ["dev"])
        event.annotations = ["note": "AB"]
        let record = AuditRecord(writerID: "w", seq: 1, event: event)
        var bytes = record.storedRecordBytes()
        for pattern in [Array("zq-user".utf8), Array("AB".utf8)] {
            let at = try #require((0...(bytes.count - pattern.count)).first { bytes[$0..<$0 + pattern.count].elementsEqual(pattern) })
            bytes[at] = 0xff  // never valid in UTF-8
        }
        var json: [UInt8] = []
        var csv: [UInt8] = []
        try bytes.withUnsafeBytes { raw in
            let view = try StoredRecordView(raw)
            try AuditRecordFormat.json.write(view, bodies: .plain, into: &json)
            try AuditRecordFormat.csv.write(view, bodies: .plain, into: &csv)
        }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        #expect(object["user"] as? String == "\u{FFFD}q-user")
        #expect((object["annotations"] as? [String: String])?["note"] == "\u{FFFD}B")
        let line = try #require(String(validating: csv, as: UTF8.self), "the CSV line is UTF-8")
        #expect(line.contains(",\u{FFFD}q-user,"))
    }

    @Test func malformedTextArraysAreRefused() {
        let good = StoredRecordEncoding.textArray(["a", "bc"])
        var twoDimensions = good; twoDimensions[3] = 2
        var negative = good; negative[12] = 0xff
        var nullElement = good; nullElement.replaceSubrange(20..<25, with: [0xff, 0xff, 0xff, 0xff])
        var trailing = good; trailing.append(0)
        for bad in [Array(good.dropLast()), twoDimensions, negative, nullElement, trailing, [0, 0, 0, 0]] {
            #expect(throws: CanonicalDecodingError.self) { try bad.withUnsafeBytes { try StoredTextArray.check($0) } }
        }
    }

    @Test func extrasAreLocatedAndTruncationsRefused() throws {
        let fixed = CanonicalEventEncodingTests.fixed
        var event = fixed
        event.impersonatedUser = UserInfo(username: "carol", uid: "u-7", groups: ["g"], extra: ["k": ["v"]])
        event.responseStatus = ResponseStatus(code: 403, status: "Failure", reason: "Forbidden", message: "no")
        let extras = AuditRowExtras.encode(CanonicalEvent(event: event, requestBody: PayloadDigest(fixed.requestBody!), responseBody: nil))
        try extras.withUnsafeBytes { raw in
            let located = try StoredExtras(raw)
            #expect(located.hasObjectRef && located.annotationCount == 2)
            #expect(located.status.map { String(decoding: $0, as: UTF8.self) } == "Failure")
            #expect(located.reason.map { String(decoding: $0, as: UTF8.self) } == "Forbidden")
            #expect(located.message.map { String(decoding: $0, as: UTF8.self) } == "no")
            #expect(located.impersonatedUser != nil)
        }
        for length in 0..<extras.count {
            let prefix = Array(extras[..<length])
            #expect(throws: CanonicalDecodingError.self) { try prefix.withUnsafeBytes { _ = try StoredExtras($0) } }
        }
    }
}
