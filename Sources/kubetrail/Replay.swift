import ArgumentParser
import Audit
import Foundation
import Replay
import SessionRecording

/// `kubetrail replay SESSION`: a recorded exec, attach or port-forward session as a transcript,
/// asciicast v2 or JSON lines, read chunk by chunk.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Print a recorded exec, attach or port-forward session.",
        discussion: """
            SESSION is the session id of the session's events (the audit id of the exec request;
            `kubetrail query --verb create --format json` shows it as sessionID for pods/exec).

              kubetrail replay 0193…                      # transcript; typed input marked «…»
              kubetrail replay 0193… --format asciicast > s.cast && asciinema play s.cast
              kubetrail replay 0193… --format json        # one frame per line, with offsets

            Chunks are read and decoded one at a time: a session of any length replays in
            constant memory.
            """)

    @Argument(help: "The session id.")
    var session: String

    @Option(help: "PostgreSQL URL (default: $KUBETRAIL_DATABASE_URL).")
    var databaseURL: String?

    @Option(help: "text (a transcript), asciicast (asciicast v2, for asciinema) or json (frames as JSON lines).")
    var format: Format = .text

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, asciicast, json }

    func run() async throws {
        try await reportingDatabaseErrors { try await execute() }
    }

    private func execute() async throws {
        let url = try DatabaseURL.resolve(databaseURL)
        var filter = AuditFilter()
        filter.session = session
        filter.kinds = [.sessionStart, .sessionChunk, .sessionEnd]
        let query = AuditQuery(filter: filter, order: .oldestFirst, includeBodies: true)
        var renderer: any SessionRenderer = switch format {
        case .text: TranscriptRenderer()
        case .asciicast: AsciicastRenderer()
        case .json: FrameJSONRenderer()
        }
        let output = try LineOutput(path: nil)
        var summary = SessionSummary(id: session)
        var begun = false
        var found = false
        _ = try await url.withClient { client in
            try await query.run(on: client) { record in
                found = true
                let event = record.event
                switch event.kind {
                case .sessionStart:
                    summary.user = event.user.username
                    summary.cluster = event.cluster
                    summary.namespace = event.objectRef?.namespace ?? ""
                    summary.pod = event.objectRef?.name ?? ""
                    summary.command = event.annotations["session.command"] ?? ""
                    summary.protocolName = event.annotations["session.protocol"] ?? ""
                    summary.startedAt = event.requestReceivedTimestamp.timeIntervalSince1970
                case .sessionChunk:
                    guard let body = event.responseBody else { return }
                    let frames = try FrameChunkEncoding.decode(body.bytes)
                    if !begun {
                        if let size = frames.lazy.filter({ $0.stream == .resize }).compactMap({ TerminalResize.parse($0.bytes) }).first {
                            summary.width = Int(size.width)
                            summary.height = Int(size.height)
                        }
                        output.write(raw: renderer.begin(summary))
                        begun = true
                    }
                    for frame in frames { output.write(raw: renderer.render(frame)) }
                case .sessionEnd:
                    summary.exitCode = event.annotations["session.exitCode"]
                    summary.endedBy = event.annotations["session.endedBy"]
                case .request:
                    break
                }
            }
        }
        guard found else { throw CommandFailure(description: "no recorded session \(session)") }
        if !begun { output.write(raw: renderer.begin(summary)) }
        output.write(raw: renderer.end(summary))
        output.flush()
    }
}
