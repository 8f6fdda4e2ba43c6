import ArgumentParser
import Audit
import Foundation

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prove the audit trail is intact: recompute every writer's hash chain and check every signed checkpoint.",
        discussion: """
            Each proxy replica is a writer with its own hash chain and Ed25519 key. verify walks \
            every chain in seq order and checks that each row hashes to what was chained, links \
            to the row before, and that its columns and bodies match the chained record; and \
            that every checkpoint's signature verifies and matches the chain. A row edited, \
            deleted, inserted or reordered, even by a database superuser, is reported with its \
            position (writer, seq) and the kind of damage.

            By default the writers' public keys come from the database. An auditor who wants to \
            rule out a rewritten key table pins them with --public-key (a file of \
            `kubetrail writer public-key` outputs).

            Exit status: 0 when every event and checkpoint is valid, 1 when damage was found.
            """
    )

    @Option(help: "PostgreSQL URL (default: $KUBETRAIL_DATABASE_URL). The auditor role suffices.")
    var databaseURL: String?

    @Option(help: ArgumentHelp("Trust only the writer public keys in this PEM file.", valueName: "file"))
    var publicKey: String?

    @Option(help: "Show at most this many damaged positions.")
    var maxReported = 20

    func run() async throws {
        try await reportingDatabaseErrors { try await execute() }
    }

    private func execute() async throws {
        let url = try DatabaseURL.resolve(databaseURL)
        let pinned = try publicKey.map { try ChainVerifier.loadPublicKeys(pem: String(contentsOfFile: $0, encoding: .utf8)) }
        let report = try await url.withClient { client in
            try await ChainVerifier(client: client, pinnedKeys: pinned).verify()
        }
        print(report.summary)
        if let first = report.damages.first {
            print("FIRST DAMAGE: \(first)")
            for damage in report.damages.dropFirst().prefix(maxReported - 1) { print("  also: \(damage)") }
            if report.damages.count > maxReported { print("  … and \(report.damages.count - maxReported) more") }
        }
        for (writer, count) in report.unsignedTail.sorted(by: { $0.key < $1.key }) {
            FileHandle.standardError.write(Data("note: writer \(writer) has \(count) event(s) after its last signed checkpoint; they are chained but not yet signed\n".utf8))
        }
        if !report.isIntact { throw ExitCode(1) }
    }
}
