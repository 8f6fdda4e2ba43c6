import Audit
import Foundation
import NIOCore
import SessionRecording
import Synchronization

/// Records what flows inside one spliced exec, attach or port-forward session: the tap parses
/// both directions into frames, the chunker groups them, and each chunk becomes a
/// `session_chunk` event in the audit trail, in order, followed by one `session_end` event.
///
/// It sees the bytes after they are read and never holds them back; recording waits on its own
/// task. `@unchecked Sendable`: everything but `records` is touched only on the splice's event
/// loop (both spliced channels share it), from the splice handlers and the loop's timer.
final class SessionRecorder: @unchecked Sendable {
    /// What the recording task receives, in order.
    enum Record: Sendable {
        case chunk(FrameChunk)
        case end(SessionEnding)
    }

    /// How a session ended, for its end event.
    struct SessionEnding: Sendable {
        var endedBy: String
        var exit: RemoteCommandExit?
        var failure: String?
        var duration: Int64
        var bytesFromClient: Int64
        var bytesFromCluster: Int64
        var chunks: Int
        /// The terminal's first size: kubectl sends it once the session is up, after the start
        /// event (which is recorded before the 101), so the end event carries it.
        var initialSize: TerminalResize?
        /// When the session ended (the request's ResponseComplete measures its latency to here).
        var endedAt: ContinuousClock.Instant
    }

    let records: AsyncStream<Record>
    private let continuation: AsyncStream<Record>.Continuation
    private let started = NIODeadline.now()
    private var tap: SessionTap
    private var chunker = FrameChunker()
    private var chunks = 0
    private var ticking: RepeatedTask?
    private var finished = false
    private var bytesFromClient: Int64 = 0
    private var bytesFromCluster: Int64 = 0
    private let onFailure: ProxyCore.OnRecordingFailure
    /// The spliced connections, closed when recording fails under `on_recording_failure: close`.
    private let channels: [Channel]
    /// Why the recording failed, if it did (the trail refused a chunk, or the stream could not be parsed).
    private var failure: String?
    private var initialSize: TerminalResize?

    init(transport: SessionTransport, recordStdin: Bool, onFailure: ProxyCore.OnRecordingFailure = .close, channels: [Channel] = []) {
        tap = SessionTap(transport: transport, recordStdin: recordStdin)
        (records, continuation) = AsyncStream<Record>.makeStream()
        self.onFailure = onFailure
        self.channels = channels
    }

    /// The session can no longer be recorded: under `close` it ends now ("recording failed");
    /// under `continue` it goes on and its end event says why the recording is incomplete.
    func recordingFailed(_ reason: String) {
        guard !finished, failure == nil else { return }
        failure = reason
        if onFailure == .close {
            for channel in channels { channel.close(promise: nil) }
        }
    }

    /// Microseconds since the session started.
    private var offset: Int64 { (NIODeadline.now() - started).nanoseconds / 1000 }

    /// Cuts chunks that waited long enough even when nothing more arrives (call on the splice's loop).
    func startTicking(on eventLoop: EventLoop) {
        ticking = eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [self] _ in
            if let chunk = chunker.tick(at: offset) { emit(chunk) }
        }
    }

    func observe(_ side: SpliceHandler.Side, _ buffer: ByteBuffer) {
        guard !finished else { return }
        if side == .client { bytesFromClient += Int64(buffer.readableBytes) } else { bytesFromCluster += Int64(buffer.readableBytes) }
        let now = offset
        let frames = side == .client ? tap.fromClient(buffer, at: now) : tap.fromCluster(buffer, at: now)
        // A port-forward's payload is the forwarded connection's own traffic (a database dump,
        // say): its start and end events keep the ports and byte counts, not the bytes.
        for frame in frames where frame.stream != .portForwardData {
            if frame.stream == .resize, initialSize == nil { initialSize = TerminalResize.parse(frame.bytes) }
            if let chunk = chunker.append(frame) { emit(chunk) }
        }
        if let unparsed = tap.failure { recordingFailed(unparsed) }
    }

    private func emit(_ chunk: FrameChunk) {
        chunks += 1
        continuation.yield(.chunk(chunk))
    }

    /// The proxy is stopping: the session ends now, with what was recorded so far.
    func stop() {
        finish(bytesFromClient: bytesFromClient, bytesFromCluster: bytesFromCluster, closedFirst: nil, endedBy: "proxy stopping")
    }

    /// Flushes the last chunk and the end event; the records stream ends after them.
    func finish(bytesFromClient: Int64, bytesFromCluster: Int64, closedFirst: SpliceHandler.Side?, endedBy stated: String? = nil) {
        guard !finished else { return }
        finished = true
        ticking?.cancel()
        if let chunk = chunker.finish() { emit(chunk) }
        let exit = tap.exit
        let endedBy = stated ?? (failure != nil && onFailure == .close ? "recording failed"
            : exit != nil ? "exited" : closedFirst == .client ? "client closed" : closedFirst == .upstream ? "cluster closed" : "aborted")
        continuation.yield(.end(SessionEnding(
            endedBy: endedBy, exit: exit, failure: failure ?? tap.failure, duration: offset,
            bytesFromClient: bytesFromClient, bytesFromCluster: bytesFromCluster, chunks: chunks, initialSize: initialSize,
            endedAt: .now)))
        continuation.finish()
    }
}

extension RequestAuditor {
    /// The event of one recorded chunk: its frames as the body, its place in the session as annotations.
    func sessionChunkEvent(_ chunk: FrameChunk) -> AuditEvent {
        var event = self.event(stage: .responseStarted)
        event.kind = .sessionChunk
        event.annotations[SessionAnnotation.chunk] = String(chunk.index)
        event.annotations[SessionAnnotation.firstOffset] = String(chunk.firstOffset)
        event.annotations[SessionAnnotation.lastOffset] = String(chunk.lastOffset)
        event.annotations[SessionAnnotation.frames] = String(chunk.frames.count)
        event.responseBody = Payload(contentType: FrameChunkEncoding.contentType, bytes: FrameChunkEncoding.encode(chunk.frames))
        return event
    }

    func sessionEndEvent(_ ending: SessionRecorder.SessionEnding) -> AuditEvent {
        var event = self.event(stage: .responseComplete, status: ResponseStatus(code: 101), latency: ending.duration,
                               bytesIn: ending.bytesFromClient, bytesOut: ending.bytesFromCluster)
        event.kind = .sessionEnd
        event.annotations[SessionAnnotation.endedBy] = ending.endedBy
        event.annotations[SessionAnnotation.duration] = String(ending.duration)
        event.annotations[SessionAnnotation.chunks] = String(ending.chunks)
        if let code = ending.exit?.code { event.annotations[SessionAnnotation.exitCode] = String(code) }
        if let message = ending.exit?.message, !message.isEmpty { event.annotations[SessionAnnotation.exitMessage] = message }
        if let failure = ending.failure { event.annotations[SessionAnnotation.recordingFailure] = failure }
        if let size = ending.initialSize { event.annotations[SessionAnnotation.initialSize] = "\(size.width)x\(size.height)" }
        return event
    }

    /// The start event: what was run where, over which protocol.
    func sessionStartEvent(transport: SessionTransport, query: [(String, String)]) -> AuditEvent {
        var event = self.event(stage: .responseStarted, status: ResponseStatus(code: 101))
        event.kind = .sessionStart
        let values = { (name: String) in query.filter { $0.0 == name }.map(\.1) }
        event.annotations[SessionAnnotation.protocolName] = transport.name
        event.annotations[SessionAnnotation.kind] = info?.subresource ?? ""
        if let container = values("container").first { event.annotations[SessionAnnotation.container] = container }
        let command = values("command")
        if !command.isEmpty { event.annotations[SessionAnnotation.command] = command.joined(separator: " ") }
        for (flag, key) in [("tty", SessionAnnotation.tty), ("stdin", SessionAnnotation.stdin), ("stdout", SessionAnnotation.stdout),
                            ("stderr", SessionAnnotation.stderr)] {
            if let value = values(flag).first { event.annotations[key] = value }
        }
        let ports = values("ports")
        if !ports.isEmpty { event.annotations[SessionAnnotation.ports] = ports.joined(separator: ",") }
        return event
    }
}

extension SessionTransport {
    /// How the trail names the protocol: `websocket/v5.channel.k8s.io`, `spdy/v4.channel.k8s.io`.
    var name: String {
        switch self {
        case .webSocket(let subprotocol): "websocket/" + subprotocol
        case .spdy(let version): "spdy/" + version
        }
    }
}

/// The sessions being recorded, so a stopping proxy can end each with an end event before the
/// audit pipeline closes.
///
/// A mutex: sessions start and end on many event loops; it is held only to add, remove or copy.
final class RecordedSessions: Sendable {
    struct Entry: Sendable {
        var recorder: SessionRecorder
        var eventLoop: EventLoop
        var recording: Task<Void, Never>
        var channels: [Channel]
    }

    private let entries = Mutex<[ObjectIdentifier: Entry]>([:])

    func add(_ entry: Entry) { entries.withLock { $0[ObjectIdentifier(entry.recorder)] = entry } }
    func remove(_ recorder: SessionRecorder) { _ = entries.withLock { $0.removeValue(forKey: ObjectIdentifier(recorder)) } }

    /// Ends every session: its last chunk and an end event ("proxy stopping") are recorded,
    /// then its connections are closed.
    func stopAll() async {
        let all = entries.withLock { entries in
            defer { entries.removeAll() }
            return Array(entries.values)
        }
        for entry in all { entry.eventLoop.execute { entry.recorder.stop() } }
        for entry in all {
            await entry.recording.value
            for channel in entry.channels { try? await channel.close() }
        }
    }
}
