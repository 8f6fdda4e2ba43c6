import ArgumentParser
import Audit
import Foundation

struct Who: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Who accessed which cluster, and when: one row per user and cluster.",
        discussion: """
            For each (user, cluster) in the range: the user's groups (as of the latest event), \
            first and last access, requests answered, writes among them (create, update, patch, \
            delete, deletecollection), requests denied, and interactive sessions started (exec, \
            attach, port-forward). Most recent access first.

            Every filter of `kubetrail query` narrows the events counted.

            Examples:
              kubetrail who --since 30d
              kubetrail who --namespace payments --verb delete --since 7d
              kubetrail who --cluster prod --since 2026-11-01T00:00:00Z \\
                --until 2026-12-01T00:00:00Z --format csv

            Formats: table (the default on a terminal), json (JSON lines), csv.
            """
    )

    @Option(help: "PostgreSQL URL (default: $KUBETRAIL_DATABASE_URL).")
    var databaseURL: String?

    @OptionGroup var filters: FilterOptions

    @Option(help: "table, json or csv.")
    var format: String?

    func run() async throws {
        try await reportingDatabaseErrors { try await execute() }
    }

    private func execute() async throws {
        let url = try DatabaseURL.resolve(databaseURL)
        let format = try parseFormat(self.format, default: isTerminal(STDOUT_FILENO) ? .table : .json)
        guard format != .k8sAudit else {
            throw ValidationError("k8s-audit is a format of events, and who prints summaries: use table, json or csv (or kubetrail query --format k8s-audit)")
        }
        let filter = try filters.filter()
        let output = try LineOutput(path: nil)
        if let header = format.summaryHeader { output.write(header) }
        var count = 0
        try await url.withClient { client in
            try await AccessSummaryQuery(filter: filter).run(on: client) { summary in
                output.write(format.line(summary))
                count += 1
            }
        }
        output.flush()
        if count == 0 { FileHandle.standardError.write(Data("nobody accessed a cluster in that range\n".utf8)) }
    }
}
