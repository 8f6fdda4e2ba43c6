import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Times a program the way a user meets it: started fresh, output read through a pipe.
enum ProcessTiming {
    struct Failure: Error, CustomStringConvertible { var description: String }

    struct Completion {
        var seconds: Double
        var bytes: Int
        /// The child's peak resident set (VmHWM), in KiB, read from /proc while it runs: its
        /// ru_maxrss would count the parent's memory, which a posix_spawn child shares until exec.
        var maxRSSKilobytes: Int
    }

    private static func spawn(_ path: String, _ arguments: [String], stdout fd: Int32) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fd, 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard rc == 0 else { throw Failure(description: "cannot run \(path): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// Milliseconds from spawning the program to its first byte on stdout; the program is then stopped.
    static func firstByte(_ path: String, _ arguments: [String]) throws -> Double {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw Failure(description: "pipe failed") }
        let began = ContinuousClock.now
        let pid = try spawn(path, arguments, stdout: fds[1])
        close(fds[1])
        var byte: UInt8 = 0
        let n = read(fds[0], &byte, 1)
        let elapsed = ContinuousClock.now - began
        kill(pid, SIGTERM)
        close(fds[0])
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        guard n == 1 else { throw Failure(description: "\(path) \(arguments.joined(separator: " ")) wrote nothing") }
        return elapsed.milliseconds
    }

    /// Runs the program to its end, its output counted and dropped.
    static func complete(_ path: String, _ arguments: [String]) throws -> Completion {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw Failure(description: "pipe failed") }
        let began = ContinuousClock.now
        let pid = try spawn(path, arguments, stdout: fds[1])
        close(fds[1])
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var bytes = 0
        var peak = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            bytes += n
            peak = max(peak, highWaterMark(pid) ?? 0)
        }
        close(fds[0])
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        let seconds = (ContinuousClock.now - began).milliseconds / 1000
        guard status == 0 else { throw Failure(description: "\(path) \(arguments.joined(separator: " ")) failed (status \(status))") }
        return Completion(seconds: seconds, bytes: bytes, maxRSSKilobytes: peak)
    }

    /// VmHWM of a running process, KiB.
    static func highWaterMark(_ pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }
}
