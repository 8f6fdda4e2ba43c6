import Audit
import Foundation
import Logging
import PostgresNIO
import Testing

/// PostgreSQL stopped mid-stream and started again: every event arrives exactly once, in order.
@Suite(.enabled(if: TestDatabase.enabled), .serialized) struct DatabaseOutageTests {
    @Test func eventsWaitInTheSpoolAndArriveOnceAfterTheDatabaseReturns() async throws {
        let server = try PrivatePostgres()
        try server.start()
        let url = try server.url
        _ = try await url.withClient { try await Migrator().migrate($0) }

        let spool = try TemporaryDirectory()
        let events = Fixtures.events(900)
        let pipeline = try Fixtures.pipeline(spool.path, durability: .batched(syncInterval: .milliseconds(20)), checkpointEvery: 50)
        await pipeline.start()
        try await url.withClient(logger: Fixtures.quietLogger) { client in
            let shipper = try AuditShipper(
                pipeline: pipeline, store: AuditStore(client: client, logger: Fixtures.quietLogger),
                configuration: .init(batchSize: 64, initialBackoff: .milliseconds(50), maximumBackoff: .milliseconds(400), statementTimeout: .seconds(2)),
                logger: Fixtures.quietLogger)
            let shipping = Task { try await shipper.run() }

            for event in events[0..<300] { try await pipeline.record(event) }
            try await waitUntil { await shipper.shippedSeq >= 300 }

            try server.stop()
            // Requests keep being recorded while the database is away.
            for event in events[300..<600] { try await pipeline.record(event) }
            try await waitUntil { await shipper.lastError != nil }
            let stuck = await shipper.shippedSeq
            #expect(stuck < 600)

            try server.start()
            for event in events[600..<900] { try await pipeline.record(event) }
            await pipeline.shutdown()
            try await shipping.value
            #expect(await shipper.lastError == nil)
        }

        try await url.withClient { client in
            let rows = try await client.query("SELECT seq, audit_id FROM kubetrail.audit_events ORDER BY seq")
            var seen: [(Int64, UUID)] = []
            for try await row in rows.decode((Int64, UUID).self) { seen.append(row) }
            #expect(seen.count == 900)
            #expect(seen.map(\.0) == Array(1...900))
            #expect(seen.map(\.1) == events.map(\.auditID))
        }
        let report = try await url.withClient { try await ChainVerifier(client: $0).verify() }
        #expect(report.isIntact, "\(report.damages)")
        #expect(report.eventsValid == 900)
    }
}

/// Polls `condition` every 20 ms for up to `timeout`.
func waitUntil(timeout: Duration = .seconds(90), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw PostgresTestError(description: "condition not met within \(timeout)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}
