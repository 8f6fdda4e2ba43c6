import Foundation

/// A program run with posix_spawn, its stdout and stderr in files, stdin from a file or /dev/null.
///
/// Foundation's Process can miss exits and pipes can fill; files and waitpid do neither.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: pid and paths are set once in init and only read afterwards.
    public let pid: pid_t
    public let stdoutPath: String
    public let stderrPath: String

    public struct Result: CustomStringConvertible, Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var description: String { "exit \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
    }

    public init(_ path: String, _ arguments: [String], environment: [String: String] = [:], stdinPath: String? = nil) throws {
        let base = NSTemporaryDirectory() + "kubetrail-child-" + UUID().uuidString
        stdoutPath = base + ".out"
        stderrPath = base + ".err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so a stop reaches whatever it started.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, path, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw TestFailure("cannot run \(path): \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    /// Waits for exit (killing the group after `timeout`) and returns status and output.
    public func wait(timeout: Duration = .seconds(60)) async -> Result {
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        while true {
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid { break }
            if done < 0, errno != EINTR { break }
            if ContinuousClock.now > deadline {
                kill(-pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                break
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        let exited = (status & 0x7f) == 0
        return Result(status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), stdout: output(), stderr: errors())
    }

    public func output() -> String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    public func errors() -> String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Sends `signal` to the process group.
    public func signal(_ signal: Int32) { kill(-pid, signal) }

    deinit {
        unlink(stdoutPath)
        unlink(stderrPath)
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The repository root, for built products.
public enum Repository {
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    public static func product(_ name: String) -> String {
        for dir in [".build/debug", ".build/release"] {
            let path = root + "/" + dir + "/" + name
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return root + "/.build/debug/" + name
    }
}
