import Foundation
import KubeAPI

/// A `kube-emulator` process on a free port, with its own state directory, kubeconfig and request log.
public final class RunningEmulator: @unchecked Sendable {
    // @unchecked: every property is set in start() and only read afterwards.
    public let process: ChildProcess
    public let directory: String
    public let kubeconfig: String
    public let requestLogPath: String
    public let url: String
    public let cacheDirectory: String

    private init(process: ChildProcess, directory: String, url: String) {
        self.process = process
        self.directory = directory
        self.kubeconfig = directory + "/kubeconfig"
        self.requestLogPath = directory + "/requests.log"
        self.cacheDirectory = directory + "/kube-cache"
        self.url = url
    }

    /// Starts an emulator; `extraArguments` add flags (tokens, RBAC, log sizes).
    public static func start(_ extraArguments: [String] = []) async throws -> RunningEmulator {
        let directory = NSTemporaryDirectory() + "kube-emulator-test-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let process = try ChildProcess(
            Repository.product("kube-emulator"),
            ["--listen", "127.0.0.1:0", "--state-dir", directory, "--kubeconfig-out", directory + "/kubeconfig",
             "--request-log", directory + "/requests.log", "--pod-start-delay-ms", "100", "--log-follow-interval-ms", "100"]
                + extraArguments)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let output = process.output()
            if let range = output.firstRange(of: "serving ") {
                let url = output[range.upperBound...].prefix { $0 != " " }
                return RunningEmulator(process: process, directory: directory, url: String(url))
            }
            var status: Int32 = 0
            if waitpid(process.pid, &status, WNOHANG) == process.pid {
                throw TestFailure("kube-emulator exited at start: \(process.output()) \(process.errors())")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.signal(SIGKILL)
        throw TestFailure("kube-emulator did not start within 60 s: \(process.errors())")
    }

    /// Runs the real kubectl against this emulator.
    public func kubectl(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                 timeout: Duration = .seconds(60), token: String? = nil) async throws -> ChildProcess.Result {
        var stdinPath: String?
        if let stdin {
            stdinPath = directory + "/stdin-" + UUID().uuidString
            try stdin.write(toFile: stdinPath!, atomically: true, encoding: .utf8)
        }
        defer { if let stdinPath { unlink(stdinPath) } }
        let child = try ChildProcess(
            "kubectl", ["--kubeconfig", try token.map(tokenKubeconfig) ?? kubeconfig, "--cache-dir", cacheDirectory] + arguments,
            environment: environment,
            stdinPath: stdinPath)
        return await child.wait(timeout: timeout)
    }

    /// A kubeconfig that authenticates with a bearer token only (no client certificate).
    public func tokenKubeconfig(_ token: String) throws -> String {
        let path = directory + "/kubeconfig-token-" + token
        if FileManager.default.fileExists(atPath: path) { return path }
        let ca = try String(contentsOfFile: directory + "/pki/ca.crt", encoding: .utf8)
        try """
            apiVersion: v1
            kind: Config
            clusters:
            - name: emulator
              cluster: {server: "\(url)", certificate-authority-data: \(Base64.encode(Array(ca.utf8)))}
            users:
            - name: token
              user: {token: "\(token)"}
            contexts:
            - name: emulator
              context: {cluster: emulator, user: token, namespace: default}
            current-context: emulator
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// kubectl authenticated by a bearer token only.
    public func kubectl(token: String, _ arguments: [String]) async throws -> ChildProcess.Result {
        try await kubectl(arguments, token: token)
    }

    /// kubectl that must succeed; its stdout.
    public func kubectlOK(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) async throws -> String {
        let result = try await kubectl(arguments, stdin: stdin, environment: environment)
        guard result.status == 0 else { throw TestFailure("kubectl \(arguments.joined(separator: " ")) failed: \(result)") }
        return result.stdout
    }

    /// The request log's lines, parsed.
    public func requestLog() throws -> [JSONValue] {
        let text = (try? String(contentsOfFile: requestLogPath, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    /// Writes a file in the emulator's directory and returns its path.
    public func file(_ name: String, _ contents: String) throws -> String {
        let path = directory + "/" + name
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    public func stop() {
        process.signal(SIGKILL)
        var status: Int32 = 0
        _ = waitpid(process.pid, &status, 0)
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { stop() }
}
