/// Which streams a remote command session uses, from the request's query
/// (`stdin`, `stdout`, `stderr`, `tty`).
///
/// Like Kubernetes, only the requested streams are open: data a client sends on a stream it did
/// not ask for is dropped, and the server writes nothing on one the client did not ask for.
public struct RemoteCommandOptions: Equatable, Sendable {
    public var stdin: Bool
    public var stdout: Bool
    public var stderr: Bool
    public var tty: Bool

    /// Takes the flags as given. With `tty`, stderr is dropped (a terminal merges it into
    /// stdout), as the kubelet does.
    public init(stdin: Bool, stdout: Bool, stderr: Bool, tty: Bool) {
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = tty ? false : stderr
        self.tty = tty
    }

    /// Whether the request is valid: Kubernetes refuses one with none of stdin, stdout, stderr
    /// ("you must specify at least 1 of stdin, stdout, stderr").
    public var isValid: Bool { self.stdin || self.stdout || self.stderr }

    /// The stream that gets the empty "connection established" message a Kubernetes server
    /// sends first: the lowest writable one.
    public var firstWritableStream: RemoteCommandStream {
        if self.stdout { return .stdout }
        if self.stderr { return .stderr }
        return .error
    }

    /// Whether the server takes data the client sends on `stream`.
    public func accepts(_ stream: RemoteCommandStream) -> Bool {
        switch stream {
        case .stdin: return self.stdin
        case .resize: return true
        case .stdout, .stderr, .error: return false
        }
    }

    /// Whether the server writes on `stream`.
    public func emits(_ stream: RemoteCommandStream) -> Bool {
        switch stream {
        case .stdout: return self.stdout
        case .stderr: return self.stderr
        case .error: return true
        case .stdin, .resize: return false
        }
    }
}
