import ArgumentParser
import Audit
import Foundation

/// `kubetrail sessions`: interactive and API sessions, newest first.
struct Sessions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List recorded sessions: exec, attach and port-forward, and API sessions (one kubectl run each).",
        discussion: """
            An interactive session is one kubectl exec, attach or port-forward: \
            its id is the audit id of its request, its bytes both directions of \
            the spliced stream, its outcome how it ended (exit 3, client closed; \
            live while it has no end event).

            An API session is every request of one kubectl run: the run's \
            Kubectl-Session header (one UUID per kubectl run), or the client \
            connection when a client sends none. Its bytes are the requests' and \
            responses', its outcome counts its requests and those denied or \
            failed (status 400 and above). Times filter the events, so an API \
            session crossing --since or --until counts only its requests inside.

            Replay any of them with `kubetrail replay ID`.

            Examples:
              kubetrail sessions --since 24h
              kubetrail sessions --user alice --kind exec --since 7d
              kubetrail sessions --cluster prod --kind api --since 2026-11-01 \\
                --format json

            Columns: ID, KIND, USER, CLUSTER, START, DURATION, BYTES, TARGET \
            (namespace/pod: command, or the kubectl command), OUTCOME. \
            Formats: table (the default on a terminal), json (JSON lines, the \
            default otherwise).
            """
    )

    @Option(help: "PostgreSQL URL (default: $KUBETRAIL_DATABASE_URL).")
    var databaseURL: String?

    @Option(help: "Only this user (repeatable).")
    var user: [String] = []

    @Option(help: "Only this cluster (repeatable).")
    var cluster: [String] = []

    @Option(help: "From this time on: RFC 3339 (2026-11-25T12:00:00Z) or a duration ago (90m, 24h, 7d).")
    var since: String?

    @Option(help: "Before this time: RFC 3339 or a duration ago.")
    var until: String?

    @Option(help: "Only this kind: exec, attach, portforward or api (repeatable).")
    var kind: [String] = []

    @Option(help: "At most this many sessions, newest first.")
    var limit = 100

    @Option(help: "table or json.")
    var format: String?

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        for k in kind where SessionOverview.Kind(rawValue: k) == nil {
            throw ValidationError("--kind must be exec, attach, portforward or api, got '\(k)'")
        }
        if let format, SessionOverviewFormat(rawValue: format) == nil {
            throw ValidationError("--format must be table or json, got '\(format)'")
        }
    }

    func run() async throws {
        try await reportingDatabaseErrors { try await execute() }
    }

    private func execute() async throws {
        let url = try DatabaseURL.resolve(databaseURL)
        let format = format.flatMap(SessionOverviewFormat.init(rawValue:)) ?? (isTerminal(STDOUT_FILENO) ? .table : .json)
        var query = SessionListQuery()
        query.users = user
        query.clusters = cluster
        let now = Date()
        query.since = try since.map { try TimeBound($0, now: now).date }
        query.until = try until.map { try TimeBound($0, now: now).date }
        if let s = query.since, let u = query.until, s >= u {
            throw ValidationError("--since (\(since!)) must be before --until (\(until!))")
        }
        if !kind.isEmpty { query.kinds = Set(kind.compactMap(SessionOverview.Kind.init(rawValue:))) }
        query.limit = limit
        let sessions = try await url.withClient { try await query.run(on: $0) }
        let output = try LineOutput(path: nil)
        if let header = format.header { output.write(header) }
        for session in sessions { output.write(format.line(session)) }
        output.flush()
        if sessions.isEmpty { FileHandle.standardError.write(Data("no sessions match\n".utf8)) }
        if sessions.count == limit { FileHandle.standardError.write(Data("showing the newest \(limit): narrow with --since/--until or raise --limit\n".utf8)) }
    }
}
