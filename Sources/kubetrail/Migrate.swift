import ArgumentParser
import Audit
import Foundation

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending schema migrations to the audit database.",
        discussion: """
            Applies the numbered SQL files this binary carries (the repository's migrations/), \
            in order, each in its own transaction, and records each file's name and SHA-256 in \
            kubetrail.schema_migrations. Safe to run again: applied files are skipped. Refuses \
            to run when an applied file has changed since, or when the database knows \
            migrations this binary does not.

            Run it as the database owner (it creates the kubetrail schema, the \
            kubetrail_writer and kubetrail_auditor roles and the append-only triggers), then \
            grant kubetrail_writer to the proxy's login and kubetrail_auditor to auditors':
              GRANT kubetrail_writer TO proxy_login;
            """
    )

    @Option(help: "PostgreSQL URL (default: $KUBETRAIL_DATABASE_URL).")
    var databaseURL: String?

    @Option(help: ArgumentHelp("Read migrations from this folder instead of the ones built in.", valueName: "dir"))
    var migrations: String?

    func run() async throws {
        try await reportingDatabaseErrors { try await execute() }
    }

    private func execute() async throws {
        let url = try DatabaseURL.resolve(databaseURL)
        let files = try migrations.map(Migration.load(from:)) ?? Migration.embedded
        let outcome = try await url.withClient { client in
            try await Migrator(migrations: files).migrate(client)
        }
        for name in outcome.applied { print("applied \(name)") }
        print("\(outcome.applied.count) applied, \(outcome.alreadyApplied.count) already applied: schema is current")
    }
}
