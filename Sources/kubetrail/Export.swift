import ArgumentParser
import Audit
import Foundation

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stream every event of a time range, oldest first, to stdout or a file.",
        discussion: """
            For SIEMs and archives: --format k8s-audit writes audit.k8s.io/v1 Event lines that
            tools reading kube-apiserver audit logs ingest unchanged. The range streams from the
            database in constant memory; on a terminal a progress line shows on stderr.

            Example:
              kubetrail export --since 2026-11-01T00:00:00Z --until 2026-12-01T00:00:00Z --format k8s-audit --output november.jsonl
            """
    )

    @Option(help: "PostgreSQL URL (default: $KUBETRAIL_DATABASE_URL).")
    var databaseURL: String?

    @OptionGroup var filters: FilterOptions

    @Option(help: "json (default), csv, k8s-audit or table.")
    var format: String?

    @Option(help: ArgumentHelp("Write here instead of stdout.", valueName: "file"))
    var output: String?

    @Flag(help: "Decompress and include stored request and response bodies.")
    var showBodies = false

    func validate() throws {
        guard filters.since != nil, filters.until != nil else {
            throw ValidationError("export needs both --since and --until: say which range to stream")
        }
    }

    func run() async throws {
        try await reportingDatabaseErrors { try await execute() }
    }

    private func execute() async throws {
        let url = try DatabaseURL.resolve(databaseURL)
        let format = try parseFormat(self.format, default: .json)
        let query = AuditQuery(filter: try filters.filter(), order: .oldestFirst, includeBodies: showBodies)
        let out = try LineOutput(path: output)
        if let header = format.header { out.write(header) }
        let progress = isTerminal(STDERR_FILENO)
        let start = ContinuousClock.now
        var count = 0
        try await url.withClient { client in
            try await query.run(on: client) { record in
                out.write(format.line(record))
                count += 1
                if progress, count % 50_000 == 0 {
                    FileHandle.standardError.write(Data("\rexported \(count) events…".utf8))
                }
            }
        }
        out.flush()
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        FileHandle.standardError.write(Data("\(progress ? "\r" : "")exported \(count) events in \(String(format: "%.1f", seconds)) s\n".utf8))
    }
}
