import ArgumentParser
import Audit
import Foundation

struct Query: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List audit events, one row per event, newest first.",
        discussion: """
            Filters combine (all must match; a repeated filter matches any of its values). Times \
            are RFC 3339 or durations before now. Results stream in pages: when a page is full, \
            the command prints on stderr the --after value that continues it, with no gap and \
            no repeat even while events keep arriving.

            Examples:
              kubetrail query --user alice --since 7d
              kubetrail query --namespace prod --verb delete --verb deletecollection \\
                --format csv
              kubetrail query --status 4xx --decision deny --since 24h --format json
              kubetrail query --audit-id 0193… --show-bodies

            Formats: table (the default on a terminal), json (JSON lines, the default otherwise), \
            csv (RFC 4180), k8s-audit (audit.k8s.io/v1 Event lines, for SIEMs). \
            Connect as the read-only kubetrail_auditor role.
            """
    )

    @Option(help: "PostgreSQL URL (default: $KUBETRAIL_DATABASE_URL).")
    var databaseURL: String?

    @OptionGroup var filters: FilterOptions

    @Option(help: "At most this many events (a page).")
    var limit = 100

    @Option(help: "Continue after this cursor (printed after a full page).")
    var after: String?

    @Option(help: "newest (default) or oldest first.")
    var order = "newest"

    @Flag(help: "Decompress and print stored request and response bodies.")
    var showBodies = false

    @Option(help: "table, json, csv or k8s-audit.")
    var format: String?

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        guard AuditQuery.Order(rawValue: order) != nil else { throw ValidationError("--order must be newest or oldest, got '\(order)'") }
    }

    func run() async throws {
        try await reportingDatabaseErrors { try await execute() }
    }

    private func execute() async throws {
        let url = try DatabaseURL.resolve(databaseURL)
        let format = try parseFormat(self.format, default: isTerminal(STDOUT_FILENO) ? .table : .json)
        let query = AuditQuery(
            filter: try filters.filter(), order: AuditQuery.Order(rawValue: order)!, limit: limit,
            after: try after.map(AuditCursor.init), includeBodies: showBodies)
        let output = try LineOutput(path: nil)
        if let header = format.header { output.write(header) }
        var count = 0
        let last = try await url.withClient { client in
            try await query.run(on: client) { record in
                try output.write(record, as: format)
                count += 1
            }
        }
        output.flush()
        if count == limit, let last {
            FileHandle.standardError.write(Data("more: kubetrail query … --after \(last)\n".utf8))
        } else if count == 0 {
            FileHandle.standardError.write(Data("no events match\n".utf8))
        }
    }
}
