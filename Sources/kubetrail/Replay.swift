import ArgumentParser
import Audit
import Foundation
import PostgresNIO
import Replay
import SessionRecording

/// `kubetrail replay SESSION`: a recorded exec, attach or port-forward session played on the
/// terminal or printed (transcript, asciicast v2, JSON lines), read chunk by chunk; or an API
/// session's requests as a timeline.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Play a recorded exec, attach or port-forward session, or show an API session's requests.",
        discussion: """
            SESSION is an id that `kubetrail sessions` lists: an interactive \
            session's (the audit id of its exec, attach or port-forward request), \
            or an API session's (a kubectl run's Kubectl-Session, or a connection).

            On a terminal, with no --format, an interactive session plays with its \
            original timing:
              space    pause / resume
              → / ←    5 seconds on / back (the screen is cleared and drawn
                       from the chunk there)
              + / -    twice / half as fast
              q        quit (Ctrl-C too)
            --speed 4 plays four times as fast; --max-idle 2 plays every pause \
            longer than 2 seconds as 2 seconds; --from 45:00 starts there. The \
            position and speed show in the terminal's title.

            Elsewhere (a pipe, a file), or with --format, it prints:
              text       a transcript, typed input marked «…» (the default
                         off a terminal)
              asciicast  asciicast v2, for asciinema; --speed and --max-idle
                         shape its event times
              json       one frame per line, offset in microseconds

              kubetrail replay ID --format asciicast > s.cast
              asciinema play s.cast

            --follow watches a live session: what is recorded shows as it reaches \
            the trail (chunks are cut at least every second), until the session's \
            end event.

            An API session prints as a timeline: each request as it arrived (→) \
            and as it was answered (←), with times from the first, status, \
            latency, bytes, and the stored request and response bodies \
            decompressed (Kubernetes protobuf shown as JSON; which bodies are \
            stored follows the audit level). --format json: one object per event.

            Chunks are read a page at a time and a seek goes straight to its \
            chunk through the chunk index: any session replays in constant memory.
            """)

    @Argument(help: "The session id (see kubetrail sessions).")
    var session: String

    @Option(help: "PostgreSQL URL (default: $KUBETRAIL_DATABASE_URL).")
    var databaseURL: String?

    @Option(help: "text, asciicast or json (default: play on a terminal, text elsewhere).")
    var format: Format?

    @Option(help: "Playback speed: 2 is twice as fast, 0.5 half (terminal and asciicast).")
    var speed: Double = 1

    @Option(name: .customLong("max-idle"), help: "Shorten pauses longer than this many seconds to it (terminal and asciicast).")
    var maxIdle: Double?

    @Option(help: "Start at this point of the session: 45:00, 1:02:03, 90s, 45m.")
    var from: String?

    @Flag(help: "Follow a live session until it ends.")
    var follow = false

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, asciicast, json }

    /// How often --follow looks for new chunks once it has caught up.
    static let pollInterval: Duration = .milliseconds(500)

    func validate() throws {
        guard speed.isFinite, PlaybackState.speeds.contains(speed) else {
            throw ValidationError("--speed must be between 1/16 and 64, got \(speed)")
        }
        if let maxIdle { guard maxIdle.isFinite, maxIdle > 0 else { throw ValidationError("--max-idle must be a positive number of seconds, got \(maxIdle)") } }
        if let from, SessionOffset.parse(from) == nil {
            throw ValidationError("--from must be a point in the session like 45:00, 1:02:03, 90s or 45m, got '\(from)'")
        }
    }

    /// Where playing or printing starts, microseconds into the session.
    private var origin: Int64 { from.flatMap(SessionOffset.parse) ?? 0 }

    func run() async throws {
        try await reportingDatabaseErrors { try await execute() }
    }

    private var maxIdleMicroseconds: Int64? { maxIdle.map { Int64($0 * 1_000_000) } }

    private func execute() async throws {
        let url = try DatabaseURL.resolve(databaseURL)
        try await url.withClient { client in
            if let start = try await SessionRecordingQuery(session: session).start(on: client) {
                let reader = SessionChunkReader(session: session, client: client, follow: follow)
                var summary = SessionSummary(id: session, start: start.event)
                if format == nil, isTerminal(STDOUT_FILENO) {
                    try await play(reader, summary: &summary, client: client)
                } else {
                    try await print(reader, summary: &summary)
                }
            } else if try await APISessionQuery(session: session).exists(on: client) {
                try await timeline(client)
            } else {
                throw CommandFailure(description: "no recorded session \(session): `kubetrail sessions` lists the sessions there are")
            }
        }
    }

    private func play(_ reader: SessionChunkReader, summary: inout SessionSummary, client: PostgresClient) async throws {
        let end = try await reader.query.end(on: client)
        let duration = end.flatMap { $0.event.annotations[SessionAnnotation.duration].flatMap { Int64($0) } }
        let player = TerminalPlayer(reader: reader, speed: speed, maxIdle: maxIdleMicroseconds, duration: duration, from: origin,
                                    pollInterval: Int64(Self.pollInterval.components.attoseconds / 1_000_000_000_000) + Self.pollInterval.components.seconds * 1_000_000)
        let outcome = try await player.play()
        if let end = reader.end ?? end { summary.ended(end.event) }
        var transcript = TranscriptRenderer()
        // The terminal's output processing is on (TerminalKeys leaves it): "\n" starts a line.
        let line = outcome == .quit ? "\n# quit\n" : transcript.end(summary)
        FileHandle.standardOutput.write(Data(line.utf8))
    }

    /// The transcript, asciicast or JSON frames, in order; with --follow, on until the end event.
    private func print(_ reader: SessionChunkReader, summary: inout SessionSummary) async throws {
        var renderer: any SessionRenderer = switch format ?? .text {
        case .text: TranscriptRenderer()
        case .asciicast: AsciicastRenderer(timeline: PlaybackTimeline(speed: speed, maxIdle: maxIdleMicroseconds, origin: origin))
        case .json: FrameJSONRenderer()
        }
        let output = try LineOutput(path: nil)
        let origin = self.origin
        if origin > 0 { try await reader.seek(to: origin) }
        // The header carries the terminal size: look a few frames ahead for the first resize.
        var ahead: [SessionFrame] = []
        var waiting: SessionChunkReader.Step?
        while ahead.count < 64 {
            let step = try await reader.nextStep()
            guard case .frame(let frame) = step else {
                waiting = step
                break
            }
            if frame.offset < origin, frame.stream != .resize { continue }
            ahead.append(frame)
            if frame.stream == .resize { break }
        }
        summary.sized(by: ahead)
        output.write(raw: renderer.begin(summary))
        for frame in ahead where frame.offset >= origin { output.write(raw: renderer.render(frame)) }
        reading: while true {
            let step: SessionChunkReader.Step
            if let waiting = waiting.take() { step = waiting } else { step = try await reader.nextStep() }
            switch step {
            case .frame(let frame):
                if frame.offset >= origin { output.write(raw: renderer.render(frame)) }
            case .caughtUp:
                output.flush()
                try await Task.sleep(for: Self.pollInterval)
            case .ended:
                break reading
            }
        }
        if let end = reader.end { summary.ended(end.event) }
        output.write(raw: renderer.end(summary))
        output.flush()
    }

    private func timeline(_ client: PostgresClient) async throws {
        guard format != .asciicast else {
            throw CommandFailure(description: "\(session) is an API session (a kubectl run's requests), not a terminal: use --format text or json")
        }
        if follow { FileHandle.standardError.write(Data("--follow follows interactive sessions; showing the API session's requests so far\n".utf8)) }
        var renderer = APITimelineRenderer(session: session, format: format == .json ? .json : .text)
        let output = try LineOutput(path: nil)
        try await APISessionQuery(session: session).run(on: client) { record in
            output.write(raw: renderer.render(record))
        }
        output.write(raw: renderer.end())
        output.flush()
    }
}
