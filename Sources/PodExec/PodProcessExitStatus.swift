/// How a pod process ended.
public enum PodProcessExitStatus: Equatable, Sendable, CustomStringConvertible {
    /// It exited with this code.
    case exited(Int32)
    /// A signal killed it.
    case signaled(Int32)

    /// The exit code a container runtime reports: the code, or 128 + signal.
    public var kubernetesExitCode: Int {
        switch self {
        case .exited(let code): return Int(code)
        case .signaled(let signal): return 128 + Int(signal)
        }
    }

    /// The Status a Kubernetes server sends for this ending.
    public var remoteCommandStatus: RemoteCommandStatus { .exitCode(self.kubernetesExitCode) }

    public var description: String {
        switch self {
        case .exited(let code): return "exited with code \(code)"
        case .signaled(let signal): return "killed by signal \(signal)"
        }
    }
}

/// Why a pod process could not be started.
public enum PodProcessError: Error, Equatable, CustomStringConvertible {
    /// The command was empty.
    case emptyCommand
    /// The executable is not in `PATH` (or not executable); worded like the container runtime.
    case executableNotFound(String)
    /// A system call failed while starting (`step` names it).
    case spawnFailed(step: String, errno: Int32)

    public var description: String {
        switch self {
        case .emptyCommand:
            return "you must specify at least one command for the container"
        case .executableNotFound(let name):
            if name.contains("/") {
                return "exec: \"\(name)\": stat \(name): no such file or directory"
            }
            return "exec: \"\(name)\": executable file not found in $PATH"
        case .spawnFailed(let step, let errno):
            return "starting the process failed at \(step): errno \(errno)"
        }
    }
}
