import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A program run on a new pseudo-terminal as its controlling terminal (a session of its own),
/// as a user's shell would run it: what it writes is read back, keys are typed into it.
final class PseudoTerminalProcess {
    let pid: pid_t
    private let master: Int32
    private(set) var output: [UInt8] = []

    init(_ path: String, _ arguments: [String]) throws {
        var master: Int32 = -1, slave: Int32 = -1
        guard openpty(&master, &slave, nil, nil, nil) == 0, let name = ttyname(slave).map({ String(cString: $0) }) else {
            throw PostgresTestError(description: "openpty failed")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Opened after setsid and without O_NOCTTY, the terminal becomes the child's controlling one.
        posix_spawn_file_actions_addopen(&actions, 0, name, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        posix_spawn_file_actions_addclose(&actions, master)
        posix_spawn_file_actions_addclose(&actions, slave)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(0x80))  // POSIX_SPAWN_SETSID
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        close(slave)
        guard rc == 0 else {
            close(master)
            throw PostgresTestError(description: "cannot run \(path): \(String(cString: strerror(rc)))")
        }
        self.pid = pid
        self.master = master
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, WNOHANG)
        close(master)
    }

    var text: String { String(decoding: output, as: UTF8.self) }

    func type(_ keys: String) {
        _ = Array(keys.utf8).withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
    }

    /// Reads what the program writes until `condition` holds of all of it, or `timeout` passes.
    @discardableResult
    func read(until condition: (String) -> Bool, timeout: Duration = .seconds(10)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while !condition(text) {
            guard ContinuousClock.now < deadline else { return false }
            var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { Glibc.read(master, $0.baseAddress, $0.count) }
            guard n > 0 else { return condition(text) }
            output += buffer[0..<n]
        }
        return true
    }

    /// Waits for the exit; the status, or nil after `timeout` (the process is then killed).
    func wait(timeout: Duration = .seconds(10)) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        while ContinuousClock.now < deadline {
            _ = read(until: { _ in false }, timeout: .milliseconds(50))
            if waitpid(pid, &status, WNOHANG) == pid { return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f) }
        }
        return nil
    }
}
