import ArgumentParser
import Audit
import Foundation
import Synchronization

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stream every event of a time range, oldest first, to stdout or a file.",
        discussion: """
            For SIEMs and archives: --format k8s-audit writes audit.k8s.io/v1 Event lines that \
            tools reading kube-apiserver audit logs ingest unchanged. The range streams from the \
            database in constant memory; on a terminal a progress line shows on stderr.

            Example:
              kubetrail export --since 2026-11-01T00:00:00Z --until 2026-12-01T00:00:00Z \\
                --format k8s-audit --output november.jsonl
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
        let export = AuditExport(filter: try filters.filter(), format: format, includeBodies: showBodies)
        let out = try ExportSink(path: output, progress: isTerminal(STDERR_FILENO))
        if let header = format.header { try out.write(Array((header + "\n").utf8)) }
        let start = ContinuousClock.now
        let count = try await url.withClient { client in
            try await export.run(on: client) { try out.write($0) }
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        FileHandle.standardError.write(Data("\(out.progress ? "\r" : "")exported \(count) events in \(String(format: "%.1f", seconds)) s\n".utf8))
    }
}

/// Where export's lines go: standard output or a file, with a progress line on a terminal.
final class ExportSink: Sendable {
    private let handle: FileHandle
    let progress: Bool
    private let lines = Mutex(0)

    init(path: String?, progress: Bool) throws {
        if let path {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw ValidationError("cannot create \(path)")
            }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        } else {
            handle = FileHandle.standardOutput
        }
        self.progress = progress
    }

    /// Whole lines, each with its newline.
    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try handle.write(contentsOf: $0) }
        guard progress else { return }
        let newlines = bytes.reduce(0) { $0 + ($1 == 0x0a ? 1 : 0) }
        let (before, after) = lines.withLock { count in
            defer { count += newlines }
            return (count, count + newlines)
        }
        if before / 50_000 != after / 50_000 {
            FileHandle.standardError.write(Data("\rexported \(after / 50_000 * 50_000) events…".utf8))
        }
    }
}
