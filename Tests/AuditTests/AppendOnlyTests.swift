import Audit
import Foundation
import PostgresNIO
import Testing

/// The trail refuses every change but INSERT, for the writer role and for a superuser alike.
@Suite(.enabled(if: TestDatabase.enabled)) struct AppendOnlyTests {
    static let changes = [
        "UPDATE kubetrail.audit_events SET username = 'mallory'",
        "DELETE FROM kubetrail.audit_events",
        "TRUNCATE kubetrail.audit_events",
        "UPDATE kubetrail.audit_events_default SET username = 'mallory'",
        "DELETE FROM kubetrail.audit_checkpoints",
        "TRUNCATE kubetrail.audit_checkpoints",
        "UPDATE kubetrail.audit_writers SET public_key = '\\x00'",
        "DELETE FROM kubetrail.audit_writers",
    ]

    @Test func superuserCannotChangeTheTrail() async throws {
        try await TestDatabase.withFresh { url in
            let spool = try TemporaryDirectory()
            _ = try await Fixtures.recordAndShip(Fixtures.events(20), spool: spool.path, url: url)
            // A partition made on demand carries the trigger too.
            let partition = try await url.withClient { try await $0.scalar("SELECT kubetrail.ensure_partition(now() + interval '2 years')", as: String.self) }
            let statements = Self.changes + [
                "DELETE FROM kubetrail.\(partition)", "TRUNCATE kubetrail.\(partition)",
                "DELETE FROM kubetrail.audit_events WHERE seq = 1",
            ]
            try await url.withClient { client in
                for statement in statements {
                    await #expect(throws: PSQLError.self, "superuser: \(statement)") {
                        try await client.query(PostgresQuery(unsafeSQL: statement))
                    }
                }
                let eventCount = try await client.scalar("SELECT count(*) FROM kubetrail.audit_events", as: Int64.self)
                #expect(eventCount == 20)
            }
        }
    }

    @Test func theWriterRoleMayInsertAndSelectOnly() async throws {
        try await TestDatabase.withFresh { url in
            let writer = try await TestDatabase.loginRole(in: "kubetrail_writer", on: url)
            let spool = try TemporaryDirectory()
            // The whole pipeline works as the writer: register, ensure partitions, insert.
            let shipped = try await Fixtures.recordAndShip(Fixtures.events(30), spool: spool.path, url: writer)
            #expect(shipped == 30)
            try await writer.withClient { client in
                for statement in Self.changes + ["DROP TABLE kubetrail.audit_events", "CREATE TABLE kubetrail.x (a int)", "ALTER TABLE kubetrail.audit_events DISABLE TRIGGER append_only"] {
                    await #expect(throws: PSQLError.self, "writer: \(statement)") {
                        try await client.query(PostgresQuery(unsafeSQL: statement))
                    }
                }
                let eventCount = try await client.scalar("SELECT count(*) FROM kubetrail.audit_events", as: Int64.self)
                #expect(eventCount == 30)
            }
        }
    }

    @Test func theAuditorRoleMayReadOnly() async throws {
        try await TestDatabase.withFresh { url in
            let spool = try TemporaryDirectory()
            _ = try await Fixtures.recordAndShip(Fixtures.events(10), spool: spool.path, url: url)
            let auditor = try await TestDatabase.loginRole(in: "kubetrail_auditor", on: url)
            try await auditor.withClient { client in
                let eventCount = try await client.scalar("SELECT count(*) FROM kubetrail.audit_events", as: Int64.self)
                #expect(eventCount == 10)
                let checkpointCount = try await client.scalar("SELECT count(*) FROM kubetrail.audit_checkpoints", as: Int64.self)
                #expect(checkpointCount >= 1)
                let inserts = [
                    "INSERT INTO kubetrail.audit_writers (writer_id, public_key) VALUES ('forged', '\\x00')",
                    "INSERT INTO kubetrail.audit_checkpoints SELECT * FROM kubetrail.audit_checkpoints",
                    "SELECT kubetrail.ensure_partition(now())",
                ]
                for statement in inserts + Self.changes {
                    await #expect(throws: PSQLError.self, "auditor: \(statement)") {
                        try await client.query(PostgresQuery(unsafeSQL: statement))
                    }
                }
            }
            // And `kubetrail verify` needs nothing more than the auditor role.
            let report = try await auditor.withClient { try await ChainVerifier(client: $0).verify() }
            #expect(report.isIntact && report.eventsValid == 10)
        }
    }
}
