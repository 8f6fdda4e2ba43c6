import Audit
import Foundation
import NIOCore
import PostgresNIO
import Testing

@Suite(.enabled(if: TestDatabase.enabled)) struct PipelineTests {
    @Test(arguments: AuditStore.InsertMethod.allCases)
    func everyEventArrivesOnceInOrderWithItsColumnsAndBodies(method: AuditStore.InsertMethod) async throws {
        try await TestDatabase.withFresh { url in
            let spool = try TemporaryDirectory()
            var events = Fixtures.events(500)
            // Text that COPY must escape, and a user from another alphabet.
            events[3].requestURI = "/api/v1/namespaces/a\tb/pods?x=\\n\nnext\r"
            events[4].user = UserInfo(username: "zoë \"quoted\" \\ {brace}", groups: ["g,1", "g\"2", "", "NULL"])
            events[5].userAgent = "\\N"
            let shipped = try await Fixtures.recordAndShip(events, spool: spool.path, url: url, checkpointEvery: 64, method: method)
            #expect(shipped == 500)
            try await url.withClient { client in
                var seqs: [Int64] = []
                let rows = try await client.query("SELECT seq, audit_id, username, cluster, verb, namespace, status_code, request_body FROM kubetrail.audit_events ORDER BY seq")
                for try await (seq, auditID, user, cluster, verb, namespace, status, body) in rows.decode((Int64, UUID, String, String, String, String?, Int32?, ByteBuffer?).self) {
                    let event = events[Int(seq) - 1]
                    seqs.append(seq)
                    #expect(auditID == event.auditID && user == event.user.username && cluster == event.cluster)
                    #expect(verb == event.verb && namespace == event.objectRef?.namespace && status == event.responseStatus?.code)
                    #expect((body != nil) == (event.requestBody != nil))
                    if let body, let original = event.requestBody {
                        #expect(try ZlibDecompressor().decompress(Array(buffer: body)) == original.bytes)
                    }
                }
                #expect(seqs == Array(1...500))
                let checkpoints = try await client.scalar("SELECT count(*) FROM kubetrail.audit_checkpoints", as: Int64.self)
                #expect(checkpoints == 500 / 64 + 1)  // every 64, plus the final one at shutdown
            }
            let report = try await url.withClient { try await ChainVerifier(client: $0).verify() }
            #expect(report.isIntact, "\(report.damages)")
            #expect(report.summary == "500/500 events valid, 8/8 checkpoints valid")
            #expect(report.unsignedTail.isEmpty)
        }
    }

    @Test func shippedSegmentsAreDeletedAndARestartShipsNothingTwice() async throws {
        try await TestDatabase.withFresh { url in
            let spool = try TemporaryDirectory()
            let events = Fixtures.events(300)
            do {
                let pipeline = try Fixtures.pipeline(spool.path, segmentSize: 8192)
                for event in events.prefix(200) { try await pipeline.record(event) }
                await pipeline.shutdown()
                try await url.withClient { client in
                    let shipper = try AuditShipper(pipeline: pipeline, store: AuditStore(client: client), logger: Fixtures.quietLogger)
                    try await shipper.run()
                    #expect(await shipper.eventsShipped == 200)
                }
            }
            // Only the newest segment is kept: everything else was shipped and deleted.
            let segments = try FileManager.default.contentsOfDirectory(atPath: spool.path).filter { $0.hasSuffix(".spool") }
            #expect(segments.count == 1)
            // Restart: the kept segment is read again, but what the database has is skipped.
            let pipeline = try Fixtures.pipeline(spool.path, segmentSize: 8192)
            for event in events.suffix(100) { try await pipeline.record(event) }
            await pipeline.shutdown()
            try await url.withClient { client in
                let shipper = try AuditShipper(pipeline: pipeline, store: AuditStore(client: client), logger: Fixtures.quietLogger)
                try await shipper.run()
                let shippedNow = await shipper.eventsShipped
                #expect(shippedNow == 100)
                let total = try await client.scalar("SELECT count(*) FROM kubetrail.audit_events", as: Int64.self)
                let distinct = try await client.scalar("SELECT count(DISTINCT seq) FROM kubetrail.audit_events", as: Int64.self)
                #expect(total == 300 && distinct == 300)
            }
            let report = try await url.withClient { try await ChainVerifier(client: $0).verify() }
            #expect(report.isIntact && report.eventsValid == 300, "\(report.damages)")
        }
    }

    @Test(arguments: AuditStore.InsertMethod.allCases)
    func aResentBatchWritesNothingTwice(method: AuditStore.InsertMethod) async throws {
        try await TestDatabase.withFresh { url in
            let identity = try WriterIdentity.loadOrCreate(in: try TemporaryDirectory().path)
            var chain = HashChain(writerID: identity.writerID)
            var batch = AuditRowBatch(method: method)
            let compressor = try ZlibCompressor()
            for event in Fixtures.events(50) {
                let (link, record) = chain.append(canonicalEvent: CanonicalEventEncoding.encode(event))
                try batch.append(link: link, chainRecord: record, requestBody: event.requestBody, responseBody: event.responseBody, compressor: compressor)
            }
            try await url.withClient { client in
                let store = AuditStore(client: client)
                for month in batch.months { try await store.ensurePartition(monthStart: month) }
                try await store.insert(batch.after(seq: 20))
                // The acknowledgement was lost and the rows come again with more: the database
                // refuses the statement whole, and the high-water mark says what is missing.
                await #expect(throws: PSQLError.self) { try await store.insert(batch) }
                let (events, _) = try await store.shipped(writerID: identity.writerID)
                #expect(events == 50)
                try await store.insert(batch.after(seq: events))
                let count = try await client.scalar("SELECT count(*) FROM kubetrail.audit_events", as: Int64.self)
                #expect(count == 30)
            }
        }
    }

    @Test func eventsOutsideEveryPartitionStillLand() async throws {
        try await TestDatabase.withFresh { url in
            var old = Fixtures.events(3)
            for i in old.indices {
                old[i].requestReceivedTimestamp = Date(timeIntervalSince1970: 946_684_800 + Double(i) * 40 * 86_400)  // 2000
                old[i].stageTimestamp = old[i].requestReceivedTimestamp
            }
            _ = try await Fixtures.recordAndShip(old, spool: try TemporaryDirectory().path, url: url)
            try await url.withClient { client in
                let parts = try await client.scalar(
                    "SELECT count(*) FROM pg_inherits WHERE inhparent = 'kubetrail.audit_events'::regclass AND inhrelid::regclass::text LIKE '%2000_%'", as: Int64.self)
                #expect(parts == 3)
                let rows = try await client.scalar("SELECT count(*) FROM kubetrail.audit_events WHERE event_time < '2001-01-01'", as: Int64.self)
                #expect(rows == 3)
            }
        }
    }
}
