import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PodExec
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Every test that starts processes or sockets runs in this one serialized suite, so that
/// counting this process's open descriptors is meaningful.
@Suite(.serialized) enum IOTests {}

/// Collects a target's output and status.
final class CollectingOutput: RemoteCommandOutput {
    struct Collected {
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var writes = 0
    }

    private let collected = NIOLockedValueBox(Collected())
    private let finished = NIOLockedValueBox(false)
    private let statusPromise: EventLoopPromise<RemoteCommandStatus>
    private let onWrite: (@Sendable (Collected) -> Void)?

    init(onWrite: (@Sendable (Collected) -> Void)? = nil) {
        self.statusPromise = MultiThreadedEventLoopGroup.singleton.next().makePromise()
        self.onWrite = onWrite
    }

    func write(_ bytes: ByteBuffer, to stream: RemoteCommandOutputStream) {
        let snapshot = self.collected.withLockedValue { collected in
            switch stream {
            case .stdout: collected.stdout += bytes.readableBytesView
            case .stderr: collected.stderr += bytes.readableBytesView
            }
            collected.writes += 1
            return collected
        }
        self.onWrite?(snapshot)
    }

    func finish(_ status: RemoteCommandStatus) {
        self.finished.withLockedValue { $0 = true }
        self.statusPromise.succeed(status)
    }

    deinit {
        if !self.finished.withLockedValue({ $0 }) {
            self.statusPromise.fail(ChannelError.alreadyClosed)
        }
    }

    var snapshot: Collected { self.collected.withLockedValue { $0 } }
    var stdoutText: String { String(decoding: self.snapshot.stdout, as: UTF8.self) }
    var stderrText: String { String(decoding: self.snapshot.stderr, as: UTF8.self) }
    var statusFuture: EventLoopFuture<RemoteCommandStatus> { self.statusPromise.futureResult }

    func status() async throws -> RemoteCommandStatus { try await self.statusPromise.futureResult.get() }

    /// Waits until stdout contains `text` (or gives up after `timeout` seconds).
    func waitForStdout(containing text: String, timeout: Double = 10) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while ContinuousClock.now < deadline {
            if self.stdoutText.contains(text) { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}

/// A fresh private directory, like the one the emulator gives each pod.
func makePodDirectory() throws -> String {
    let path = "/tmp/podexec-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    return path
}

func removeDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

func configuration(
    _ command: [String],
    _ io: PodProcessConfiguration.StandardIO,
    directory: String
) -> PodProcessConfiguration {
    PodProcessConfiguration(command: command, workingDirectory: directory, podName: "web-0", standardIO: io)
}

func launch(_ configuration: PodProcessConfiguration) async throws -> PodProcess {
    try await PodProcess.launch(configuration, on: MultiThreadedEventLoopGroup.singleton.next()).get()
}

/// The number of descriptors this process has open.
func openDescriptorCount() -> Int {
    guard let dir = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(dir) }
    var count = 0
    while readdir(dir) != nil { count += 1 }
    return count - 3  // ".", ".." and the directory itself
}

/// What each open descriptor points at (for failure messages).
func openDescriptorTargets() -> [String] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return entries.sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }.map { entry in
        "\(entry)->" + ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + entry)) ?? "?")
    }
}

/// The descriptor count once lazily opened ones exist (libdispatch opens a timerfd on the
/// first `Task.sleep`), to compare against later.
func descriptorBaseline() async throws -> Int {
    try await Task.sleep(for: .milliseconds(5))
    return try await descriptorCountSettles(at: openDescriptorCount())
}

/// Polls until the descriptor count is back to `baseline` (closes happen asynchronously).
func descriptorCountSettles(at baseline: Int) async throws -> Int {
    var current = openDescriptorCount()
    for _ in 0..<100 where current != baseline {
        try await Task.sleep(for: .milliseconds(20))
        current = openDescriptorCount()
    }
    return current
}

/// The state letter of `pid` from /proc (`Z` for a zombie), nil if there is no such process.
func processState(_ pid: pid_t) -> Character? {
    guard let line = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = line.lastIndex(of: ")"),
        line.distance(from: close, to: line.endIndex) > 2
    else { return nil }
    return line[line.index(close, offsetBy: 2)]
}

/// The parent of the process `pid`, or nil when there is none (read from /proc/PID/stat).
func processParent(_ pid: pid_t) -> pid_t? {
    guard let line = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = line.lastIndex(of: ")")
    else { return nil }
    let fields = line[line.index(after: close)...].split(separator: " ")
    return fields.count > 1 ? pid_t(fields[1]) : nil
}

/// Whether `pid` is still a child of this process (running, or a zombie nobody reaped). A pid
/// that exists but belongs to another parent was reaped and then reused: the machine's pids
/// wrap at 32768, and a full test run starts thousands of processes.
func isStillOurChild(_ pid: pid_t) -> Bool {
    processParent(pid) == getpid()
}

/// Remembers whether a future has completed.
final class CompletionFlag: Sendable {
    private let box = NIOLockedValueBox(false)

    init<Value>(_ future: EventLoopFuture<Value>) {
        future.whenComplete { [box] _ in box.withLockedValue { $0 = true } }
    }

    var isSet: Bool { self.box.withLockedValue { $0 } }
}

/// How many of this process's descriptors are TCP connections (not listeners) with `port` at
/// either end: attributable to one test's server even while other suites open sockets.
func openConnections(onPort port: Int) -> Int {
    var inodes = Set<String>()
    for file in ["/proc/self/net/tcp", "/proc/self/net/tcp6"] {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 9 else { continue }
            let local = Int(fields[1].split(separator: ":").last ?? "", radix: 16)
            let remote = Int(fields[2].split(separator: ":").last ?? "", radix: 16)
            let listening = fields[3] == "0A"
            if !listening, local == port || remote == port { inodes.insert(String(fields[9])) }
        }
    }
    return openDescriptorTargets().filter { target in
        guard let start = target.firstRange(of: "socket:[") else { return false }
        return inodes.contains(String(target[start.upperBound...].dropLast()))
    }.count
}

/// How many of this process's descriptors are terminals (only PodProcess opens them here).
func openTerminalCount() -> Int {
    openDescriptorTargets().filter { $0.contains("/dev/ptmx") || $0.contains("/dev/pts/") }.count
}
