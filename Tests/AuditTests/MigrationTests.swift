import Audit
import Foundation
import PostgresNIO
import Testing

@Suite(.enabled(if: TestDatabase.enabled)) struct MigrationTests {
    @Test func applyTwiceCleanly() async throws {
        try await TestDatabase.withFresh(migrate: false) { url in
            try await url.withClient { client in
                let first = try await Migrator().migrate(client)
                #expect(first.applied == Migration.embedded.map(\.name))
                let second = try await Migrator().migrate(client)
                #expect(second.applied.isEmpty)
                #expect(second.alreadyApplied == Migration.embedded.map(\.name))
                let recorded = try await client.scalar("SELECT count(*) FROM kubetrail.schema_migrations", as: Int64.self)
                #expect(recorded == Int64(Migration.embedded.count))
                let sha = try await client.scalar("SELECT sha256 FROM kubetrail.schema_migrations ORDER BY name LIMIT 1", as: String.self)
                #expect(sha == Migration.embedded[0].checksum)
            }
        }
    }

    @Test func anEditedAppliedMigrationIsRefused() async throws {
        try await TestDatabase.withFresh { url in
            var edited = Migration.embedded
            edited[0].sql += "\nCREATE TABLE kubetrail.sneaky (x int);"
            await #expect(throws: MigrationError.self) {
                _ = try await url.withClient { try await Migrator(migrations: edited).migrate($0) }
            }
            let sneaky = try await url.withClient { try await $0.scalar("SELECT to_regclass('kubetrail.sneaky') IS NULL", as: Bool.self) }
            #expect(sneaky)
        }
    }

    @Test func aFailingMigrationRollsBackWhole() async throws {
        try await TestDatabase.withFresh { url in
            let broken = Migration.embedded + [Migration(name: "9999_broken.sql", sql: "CREATE TABLE kubetrail.half (x int);\nSELECT no_such_function();")]
            await #expect(throws: MigrationError.self) {
                _ = try await url.withClient { try await Migrator(migrations: broken).migrate($0) }
            }
            try await url.withClient { client in
                let halfIsAbsent = try await client.scalar("SELECT to_regclass('kubetrail.half') IS NULL", as: Bool.self)
                #expect(halfIsAbsent)
                let brokenRecorded = try await client.scalar("SELECT count(*) FROM kubetrail.schema_migrations WHERE name = '9999_broken.sql'", as: Int64.self)
                #expect(brokenRecorded == 0)
            }
        }
    }

    @Test func aDatabaseNewerThanTheBinaryIsRefused() async throws {
        try await TestDatabase.withFresh { url in
            try await url.withClient { try await $0.query("INSERT INTO kubetrail.schema_migrations (name, sha256) VALUES ('9000_future.sql', 'x')") }
            await #expect(throws: MigrationError.self) {
                _ = try await url.withClient { try await Migrator().migrate($0) }
            }
        }
    }

    @Test func partitionsExistAheadAndOnDemand() async throws {
        try await TestDatabase.withFresh { url in
            try await url.withClient { client in
                let ahead = try await client.scalar(
                    "SELECT count(*) FROM pg_inherits WHERE inhparent = 'kubetrail.audit_events'::regclass", as: Int64.self)
                #expect(ahead == 6)  // last month, this month, three ahead, and the default
                let name = try await client.scalar("SELECT kubetrail.ensure_partition('2019-03-15T10:00:00Z')", as: String.self)
                #expect(name == "audit_events_2019_03")
                let again = try await client.scalar("SELECT kubetrail.ensure_partition('2019-03-31T23:59:59Z')", as: String.self)
                #expect(again == name)
            }
        }
    }
}
