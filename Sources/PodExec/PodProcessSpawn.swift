import CPodProcess

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The descriptors and pid of a freshly started process, before NIO owns the descriptors.
struct SpawnedPodProcess: Sendable {
    var pid: pid_t
    /// Pty mode: the master. Pipe mode: nil.
    var terminalMaster: CInt?
    /// Pipe mode: our ends of the child's stdin (write), stdout and stderr (read).
    var stdinWriter: CInt?
    var stdoutReader: CInt?
    var stderrReader: CInt?
}

/// Starts processes with fork/exec done in C (`cpod_spawn`): only async-signal-safe calls run
/// between fork and exec, which Swift cannot promise in a multithreaded process.
enum PodProcessSpawner {
    /// Blocking (fork + exec + waiting for exec to succeed): run it off the event loop.
    static func spawn(_ configuration: PodProcessConfiguration) throws -> SpawnedPodProcess {
        guard let name = configuration.command.first, !name.isEmpty else { throw PodProcessError.emptyCommand }
        guard Self.resolve(name, searchPath: configuration.searchPath, in: configuration.workingDirectory) else {
            throw PodProcessError.executableNotFound(name)
        }

        var opened: [CInt] = []
        func closeAll() { for fd in opened { close(fd) } }
        func makePipe() throws -> (read: CInt, write: CInt) {
            var fds: [CInt] = [-1, -1]
            guard cpod_pipe(&fds) == 0 else {
                let code = errno
                closeAll()
                throw PodProcessError.spawnFailed(step: "pipe", errno: code)
            }
            opened += fds
            return (fds[0], fds[1])
        }

        var request = cpod_spawn_request()
        var spawned = SpawnedPodProcess(pid: -1)
        var childEnds: [CInt] = []
        switch configuration.standardIO {
        case .terminal(let size):
            request.use_pty = 1
            request.rows = size?.height ?? 0
            request.cols = size?.width ?? 0
        case .pipes(let stdin):
            if stdin {
                let pipe = try makePipe()
                request.stdin_fd = pipe.read
                spawned.stdinWriter = pipe.write
                childEnds.append(pipe.read)
            } else {
                let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
                guard devNull >= 0 else {
                    let code = errno
                    closeAll()
                    throw PodProcessError.spawnFailed(step: "open /dev/null", errno: code)
                }
                opened.append(devNull)
                request.stdin_fd = devNull
                childEnds.append(devNull)
            }
            let stdout = try makePipe()
            request.stdout_fd = stdout.write
            spawned.stdoutReader = stdout.read
            childEnds.append(stdout.write)
            let stderr = try makePipe()
            request.stderr_fd = stderr.write
            spawned.stderrReader = stderr.read
            childEnds.append(stderr.write)
        }

        var result = cpod_spawn_result()
        let status = Self.withCStrings(configuration.shellArguments) { argv in
            Self.withCStrings(configuration.environment) { envp in
                configuration.shellPath.withCString { path in
                    configuration.workingDirectory.withCString { cwd in
                        request.path = path
                        request.argv = argv
                        request.envp = envp
                        request.cwd = cwd
                        return cpod_spawn(&request, &result)
                    }
                }
            }
        }
        for fd in childEnds { close(fd) }
        opened.removeAll { childEnds.contains($0) }
        guard status == 0 else {
            closeAll()
            throw PodProcessError.spawnFailed(step: Self.stepName(result.failed_step), errno: result.error_number)
        }
        spawned.pid = result.pid
        if result.master_fd >= 0 { spawned.terminalMaster = result.master_fd }
        return spawned
    }

    /// Whether `name` names an executable: as a path (relative to `directory`) if it has a
    /// slash, else somewhere on `searchPath`.
    static func resolve(_ name: String, searchPath: String, in directory: String) -> Bool {
        if name.contains("/") {
            let path = name.hasPrefix("/") ? name : directory + "/" + name
            return Self.isExecutableFile(path)
        }
        for entry in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
            let dir = entry.isEmpty ? directory : (entry.hasPrefix("/") ? String(entry) : directory + "/" + entry)
            if Self.isExecutableFile(dir + "/" + name) { return true }
        }
        return false
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }

    private static func stepName(_ step: CInt) -> String {
        switch step {
        case CPOD_STEP_OPENPTY: return "openpty"
        case CPOD_STEP_PIPE: return "pipe"
        case CPOD_STEP_FORK: return "fork"
        case CPOD_STEP_SETSID: return "setsid"
        case CPOD_STEP_CTTY: return "TIOCSCTTY"
        case CPOD_STEP_DUP2: return "dup2"
        case CPOD_STEP_CHDIR: return "chdir"
        case CPOD_STEP_EXEC: return "execve"
        default: return "step \(step)"
        }
    }

    /// Calls `body` with a NULL-terminated `char *const *` built from `strings`.
    private static func withCStrings<R>(
        _ strings: [String],
        _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R
    ) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
