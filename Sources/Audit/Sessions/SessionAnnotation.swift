/// The annotation keys of session events (`session_start`, `session_chunk`, `session_end`), as
/// the proxy writes them and `sessions` and `replay` read them.
public enum SessionAnnotation {
    /// Start: `exec`, `attach` or `portforward` (the request's subresource).
    public static let kind = "session.kind"
    /// Start: `websocket/v5.channel.k8s.io`, `spdy/v4.channel.k8s.io`, …
    public static let protocolName = "session.protocol"
    /// Start: the command's arguments joined by spaces.
    public static let command = "session.command"
    public static let container = "session.container"
    public static let tty = "session.tty"
    /// Start (port-forward): the forwarded ports, comma-separated.
    public static let ports = "session.ports"
    /// Chunk: 0, 1, 2, … within the session.
    public static let chunk = "session.chunk"
    /// Chunk: the first frame's offset, microseconds since the session started (the seek index,
    /// migrations/0004_session_chunk_index.sql).
    public static let firstOffset = "session.firstOffsetMicroseconds"
    public static let lastOffset = "session.lastOffsetMicroseconds"
    public static let frames = "session.frames"
    /// End: `exited`, `client closed`, `cluster closed`, `aborted`, `recording failed`, `proxy stopping`.
    public static let endedBy = "session.endedBy"
    public static let duration = "session.durationMicroseconds"
    public static let chunks = "session.chunks"
    public static let exitCode = "session.exitCode"
    public static let exitMessage = "session.exitMessage"
    public static let recordingFailure = "session.recordingFailure"
    /// End: chunks the trail refused (`on_recording_failure: continue`).
    public static let chunksLost = "session.chunksLost"
    /// End: the terminal's first size, `WIDTHxHEIGHT` (kubectl sends it after the 101, when the
    /// start event is already recorded).
    public static let initialSize = "session.initialSize"
    /// Start: the stdin, stdout and stderr flags of the request.
    public static let stdin = "session.stdin"
    public static let stdout = "session.stdout"
    public static let stderr = "session.stderr"
}
