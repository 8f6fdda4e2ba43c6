import Audit
import Logging
import PostgresNIO
import SessionRecording

/// Reads a recorded session's frames in order, a page of chunks at a time, so memory stays
/// bounded by one page whatever the session's length. `seek` jumps to the chunk holding an
/// offset through the chunk index without reading what lies between. With `follow`, running
/// out of chunks before the end event is `caughtUp` rather than the end: call `next()` again
/// later to see what was recorded since.
public final class SessionChunkReader {
    /// What `next()` found.
    public enum Step {
        case frame(SessionFrame)
        /// Following a live session: nothing more is stored yet.
        case caughtUp
        /// The session's last frame was read (its end event, if it has one, is in `end`).
        case ended
    }

    public let query: SessionRecordingQuery
    /// Chunks fetched per page (each holds up to ~64 KiB of frames).
    public let pageSize: Int
    public let follow: Bool
    /// The end event, once seen.
    public private(set) var end: AuditRecord?
    /// Chunks decoded so far (for tests and benchmarks: a seek must not read what it skips).
    public private(set) var chunksRead = 0

    private let client: PostgresClient
    private let logger: Logger
    private var next: SessionRecordingQuery.PageStart = .first
    private var page: [SessionChunkRecord] = []
    private var pageIndex = 0
    private var frames: [SessionFrame] = []
    private var frameIndex = 0

    public init(session: String, client: PostgresClient, follow: Bool = false, pageSize: Int = 8, logger: Logger = DatabaseURL.quietLogger) {
        self.query = SessionRecordingQuery(session: session)
        self.client = client
        self.follow = follow
        self.pageSize = pageSize
        self.logger = logger
    }

    /// The next frame, in session order.
    public func nextStep() async throws -> Step {
        while true {
            if frameIndex < frames.count {
                defer { frameIndex += 1 }
                return .frame(frames[frameIndex])
            }
            if pageIndex < page.count {
                try decode(page[pageIndex])
                pageIndex += 1
                continue
            }
            if try await fetchPage() { continue }
            // Nothing more stored now. The end event is written after the last chunk, by the
            // same writer, so once it is visible every chunk is: look once more, then stop.
            if end == nil {
                end = try await query.end(on: client, logger: logger)
                if end != nil, try await fetchPage() { continue }
            }
            return end != nil || !follow ? .ended : .caughtUp
        }
    }

    /// Goes to the chunk holding `offset` (the first chunk if none starts that early); the
    /// frames of that chunk before `offset` come first.
    public func seek(to offset: Int64) async throws {
        let key = try await query.chunk(holding: offset, on: client, logger: logger)
        next = key.map { .at($0) } ?? .first
        page = []
        pageIndex = 0
        frames = []
        frameIndex = 0
    }

    private func fetchPage() async throws -> Bool {
        let fetched = try await query.chunks(from: next, limit: pageSize, on: client, logger: logger)
        guard let last = fetched.last else { return false }
        next = .after(last.key)
        page = fetched
        pageIndex = 0
        return true
    }

    private func decode(_ chunk: SessionChunkRecord) throws {
        chunksRead += 1
        guard let body = chunk.record.event.responseBody else {
            frames = []
            frameIndex = 0
            return
        }
        do {
            frames = try FrameChunkEncoding.decode(body.bytes)
        } catch {
            throw SessionReadError(description: "chunk \(chunk.record.event.annotations[SessionAnnotation.chunk] ?? "?") of session \(query.session) (writer \(chunk.record.writerID), seq \(chunk.record.seq)) is unreadable: \(error)")
        }
        frameIndex = 0
    }
}

/// A recorded session that cannot be read as stored; says which chunk and why.
public struct SessionReadError: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) { self.description = description }
}
