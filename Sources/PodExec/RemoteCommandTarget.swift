import NIOCore

/// Which output stream bytes from a target belong to.
public enum RemoteCommandOutputStream: Sendable, Equatable {
    case stdout
    case stderr

    /// The protocol channel that carries it.
    public var channel: RemoteCommandStream {
        switch self {
        case .stdout: return .stdout
        case .stderr: return .stderr
        }
    }
}

/// Where a target delivers what its command produces: the session's side of the target.
///
/// May be called from any thread; calls for one target are made in order.
public protocol RemoteCommandOutput: Sendable {
    /// Output bytes, in order.
    func write(_ bytes: ByteBuffer, to stream: RemoteCommandOutputStream)
    /// The command ended. Called at most once, after the last `write`.
    func finish(_ status: RemoteCommandStatus)
}

/// What a remote command session talks to: a process started for one `exec`, or an existing
/// long-lived process that an `attach` joins.
///
/// The session calls these from its own event loop; a target hops to wherever its I/O lives.
/// Flow control runs both ways: `writeStdin` futures complete when the target has taken the
/// bytes (the session stops reading its client while too many are outstanding), and
/// `setOutputDemand(false)` asks the target to stop producing output until `true`.
public protocol RemoteCommandTarget: Sendable {
    /// Connects the session: output flows to `output` from now on. Called once, first.
    func start(output: any RemoteCommandOutput)
    /// Feeds the command's stdin. The future succeeds once the bytes were accepted and fails
    /// if stdin is gone (closed, or the command ended).
    func writeStdin(_ bytes: ByteBuffer) -> EventLoopFuture<Void>
    /// The client will send no more stdin (v5 CLOSE signal).
    func closeStdin()
    /// The client's terminal changed size (only meaningful with a tty).
    func resize(_ size: TerminalSize)
    /// Flow control for output: `false` pauses it, `true` resumes it.
    func setOutputDemand(_ wantsOutput: Bool)
    /// The session ended before `finish` (client gone, protocol error). An exec target kills
    /// its command; an attach target just detaches this session.
    func cancel()
}
