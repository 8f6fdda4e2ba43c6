import NIOCore

/// What to run for a pod and how: the command, its directory and environment, pipes or a pty.
public struct PodProcessConfiguration: Sendable {
    /// How the process's standard streams are connected.
    public enum StandardIO: Sendable, Equatable {
        /// Separate pipes for stdout and stderr; stdin is a pipe if `stdin`, else /dev/null.
        case pipes(stdin: Bool)
        /// A new pseudo terminal (stdout and stderr merged, as with a real tty), optionally
        /// sized from the start.
        case terminal(initialSize: TerminalSize?)
    }

    /// The argv the client asked for (never re-split: it runs as `sh -c 'exec "$@"' sh ARGV…`).
    public var command: [String]
    /// The pod's private directory: the working directory and `HOME`.
    public var workingDirectory: String
    /// The pod's name: `HOSTNAME`.
    public var podName: String
    public var standardIO: StandardIO
    /// `PATH` of the process (also where the command is looked up before starting).
    public var searchPath: String
    /// Extra environment, applied after the defaults (same name replaces).
    public var extraEnvironment: [(name: String, value: String)]
    /// The shell that runs the command.
    public var shellPath: String
    /// When the command ends, kill what is left of its process group (background children)
    /// so its output streams end and nothing outlives the session.
    public var killProcessGroupOnExit: Bool
    /// After the command ended, how long output may stay silent (while the client is reading)
    /// before the output streams are closed anyway (a detached grandchild holding them open).
    public var outputDrainTimeout: TimeAmount

    public init(
        command: [String],
        workingDirectory: String,
        podName: String,
        standardIO: StandardIO,
        searchPath: String = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        extraEnvironment: [(name: String, value: String)] = [],
        shellPath: String = "/bin/sh",
        killProcessGroupOnExit: Bool = true,
        outputDrainTimeout: TimeAmount = .seconds(2)
    ) {
        self.command = command
        self.workingDirectory = workingDirectory
        self.podName = podName
        self.standardIO = standardIO
        self.searchPath = searchPath
        self.extraEnvironment = extraEnvironment
        self.shellPath = shellPath
        self.killProcessGroupOnExit = killProcessGroupOnExit
        self.outputDrainTimeout = outputDrainTimeout
    }

    /// Whether the process runs on a pseudo terminal.
    public var usesTerminal: Bool {
        if case .terminal = self.standardIO { return true }
        return false
    }

    /// The argv handed to execve: the shell runs the command's argv verbatim.
    var shellArguments: [String] {
        [self.shellPath, "-c", "exec \"$@\"", "sh"] + self.command
    }

    /// The process environment: PATH, HOME, HOSTNAME, TERM (with a tty), then the extras.
    var environment: [String] {
        var pairs: [(String, String)] = [
            ("PATH", self.searchPath),
            ("HOME", self.workingDirectory),
            ("HOSTNAME", self.podName),
        ]
        if self.usesTerminal { pairs.append(("TERM", "xterm")) }
        for (name, value) in self.extraEnvironment {
            pairs.removeAll { $0.0 == name }
            pairs.append((name, value))
        }
        return pairs.map { "\($0.0)=\($0.1)" }
    }
}

