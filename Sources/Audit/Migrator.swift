import Crypto
import Foundation
import Logging
import PostgresNIO

/// One numbered SQL file of migrations/.
public struct Migration: Sendable, Hashable {
    public var name: String
    public var sql: String

    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
    }

    /// SHA-256 (hex) of the text without trailing newlines: what `schema_migrations` records.
    public var checksum: String {
        var text = Substring(sql)
        while text.last?.isNewline == true { text = text.dropLast() }
        return SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Reads `NNNN_name.sql` files from a directory, in name order.
    public static func load(from directory: String) throws -> [Migration] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }.sorted()
        return try names.map { Migration(name: $0, sql: try String(contentsOfFile: directory + "/" + $0, encoding: .utf8)) }
    }
}

/// A refusal to migrate, naming the file and the reason.
public struct MigrationError: Error, CustomStringConvertible {
    public var description: String
}

/// Applies pending migrations in order, each in its own transaction, recording name and checksum.
///
/// Refuses to run when a migration already applied has changed since, or when the database
/// holds migrations this build does not know (it is newer than the binary).
public struct Migrator: Sendable {
    public let migrations: [Migration]
    let logger: Logger

    public init(migrations: [Migration] = Migration.embedded, logger: Logger = Logger(label: "kubetrail.migrate")) {
        self.migrations = migrations
        self.logger = logger
    }

    public struct Outcome: Sendable, Equatable {
        public var applied: [String]
        public var alreadyApplied: [String]
    }

    public func migrate(_ client: PostgresClient) async throws -> Outcome {
        try await client.withConnection { connection in
            try await connection.query("CREATE SCHEMA IF NOT EXISTS kubetrail", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS kubetrail.schema_migrations (
                    name       text        PRIMARY KEY,
                    sha256     text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, logger: logger)
            // One migrator at a time, across every replica that starts at once.
            try await connection.query("SELECT pg_advisory_lock(hashtext('kubetrail.migrate'))", logger: logger)
            do {
                let outcome = try await apply(on: connection)
                try await connection.query("SELECT pg_advisory_unlock(hashtext('kubetrail.migrate'))", logger: logger)
                return outcome
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(hashtext('kubetrail.migrate'))", logger: logger)
                throw error
            }
        }
    }

    private func apply(on connection: PostgresConnection) async throws -> Outcome {
        var recorded: [String: String] = [:]
        let rows = try await connection.query("SELECT name, sha256 FROM kubetrail.schema_migrations", logger: logger)
        for try await (name, sha) in rows.decode((String, String).self) { recorded[name] = sha }

        let known = Set(migrations.map(\.name))
        if let unknown = recorded.keys.sorted().first(where: { !known.contains($0) }) {
            throw MigrationError(description: "the database has migration \(unknown), which this kubetrail does not know: it is newer than this binary")
        }
        var outcome = Outcome(applied: [], alreadyApplied: [])
        for migration in migrations {
            if let sha = recorded[migration.name] {
                guard sha == migration.checksum else {
                    throw MigrationError(description: "migration \(migration.name) was applied with SHA-256 \(sha) but is now \(migration.checksum): applied migrations must never change; add a new file instead")
                }
                outcome.alreadyApplied.append(migration.name)
                continue
            }
            try await connection.query("BEGIN", logger: logger)
            do {
                for statement in SQLStatementSplitter.split(migration.sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO kubetrail.schema_migrations (name, sha256) VALUES (\(migration.name), \(migration.checksum))",
                    logger: logger)
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw MigrationError(description: "migration \(migration.name) failed and was rolled back: \(String(reflecting: error))")
            }
            logger.info("applied migration", metadata: ["name": "\(migration.name)"])
            outcome.applied.append(migration.name)
        }
        return outcome
    }
}
