import KubetrailTestSupport
import Foundation
import KubeAPI
import Testing

/// `kubectl exec`, `attach` and `cp` against emulated pods, over WebSocket (kubectl's default)
/// and SPDY (`KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false`).
@Suite(.serialized) struct ExecTests {
    static let transports: [[String: String]] = [[:], ["KUBECTL_REMOTE_COMMAND_WEBSOCKETS": "false"]]

    func podEmulator() async throws -> RunningEmulator {
        let emulator = try await RunningEmulator.start()
        _ = try await emulator.kubectlOK(["run", "web", "--image=nginx"])
        _ = try await emulator.kubectlOK(["wait", "--for=condition=Ready", "pod/web", "--timeout=10s"])
        return emulator
    }

    func expectUpgrade(_ emulator: RunningEmulator, _ environment: [String: String], subresource: String) throws {
        let upgrades = try emulator.requestLog().filter { ($0["path"]?.stringValue ?? "").hasSuffix("/" + subresource) && $0["status"] == .int(101) }
        let wanted = environment.isEmpty ? "websocket" : "spdy/3.1"
        #expect(upgrades.contains { $0["upgrade"]?.stringValue?.lowercased() == wanted }, "\(upgrades)")
    }

    @Test(arguments: transports)
    func execSeparatesStreamsAndReportsTheExitCode(environment: [String: String]) async throws {
        let emulator = try await podEmulator()
        let result = try await emulator.kubectl(["exec", "web", "--", "sh", "-c", "echo out; echo err >&2; pwd; exit 3"], environment: environment)
        #expect(result.status == 3, "\(result)")
        #expect(result.stdout == "out\n\(emulator.directory)/pods/default/web\n")
        #expect(result.stderr.contains("err\n"))
        #expect(result.stderr.contains("command terminated with exit code 3"))
        try expectUpgrade(emulator, environment, subresource: "exec")
    }

    @Test(arguments: transports)
    func execPassesStdinThrough(environment: [String: String]) async throws {
        let emulator = try await podEmulator()
        let input = (0..<2000).map { "line \($0) of the input" }.joined(separator: "\n") + "\n"
        let result = try await emulator.kubectl(["exec", "-i", "web", "--", "sh", "-c", "cat > input.txt; wc -l < input.txt; tail -n 1 input.txt"], stdin: input, environment: environment)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.split(separator: "\n").map { $0.trimming(" ") } == ["2000", "line 1999 of the input"])
        let large = try await emulator.kubectl(["exec", "web", "--", "head", "-c", "3000000", "/dev/zero"], environment: environment)
        #expect(large.status == 0)
        #expect(large.stdout.utf8.count == 3_000_000, "megabytes of output arrive whole")
    }

    @Test(arguments: transports)
    func execWithATerminal(environment: [String: String]) async throws {
        let emulator = try await podEmulator()
        // kubectl needs a terminal for -t: script(1) gives it one, sized by stty.
        let inner = "stty rows 33 cols 99; kubectl --kubeconfig \(emulator.kubeconfig) --cache-dir \(emulator.cacheDirectory) "
            + "exec -it web -- sh -c 'stty size; tty; exit 4'"
        let result = await (try ChildProcess("script", ["-qec", inner, "/dev/null"], environment: environment)).wait(timeout: .seconds(30))
        #expect(result.stdout.contains("33 99"), "the pty got the client's size: \(result)")
        #expect(result.stdout.contains("/dev/pts/"))
        #expect(result.status == 4)
    }

    @Test func anUnknownCommandIsAnError() async throws {
        let emulator = try await podEmulator()
        let result = try await emulator.kubectl(["exec", "web", "--", "no-such-command-here"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("no-such-command-here"), "\(result)")
    }

    @Test(arguments: transports)
    func copiesFilesBothWays(environment: [String: String]) async throws {
        let emulator = try await podEmulator()
        let local = try emulator.file("upload.txt", "payload " + String(repeating: "x", count: 100_000) + "\n")
        _ = try await emulator.kubectlOK(["cp", local, "web:uploaded.txt"], environment: environment)
        let copied = try String(contentsOfFile: emulator.directory + "/pods/default/web/uploaded.txt", encoding: .utf8)
        #expect(copied == (try String(contentsOfFile: local, encoding: .utf8)))
        let back = emulator.directory + "/downloaded.txt"
        _ = try await emulator.kubectlOK(["cp", "web:uploaded.txt", back], environment: environment)
        #expect(try String(contentsOfFile: back, encoding: .utf8) == copied)
    }

    @Test func attachRunsAnInteractiveSession() async throws {
        let emulator = try await podEmulator()
        let result = try await emulator.kubectl(["attach", "-i", "web"], stdin: "echo attached-$((6*7))\nexit 0\n")
        #expect(result.stdout.contains("attached-42"), "\(result)")
        try expectUpgrade(emulator, [:], subresource: "attach")
    }

    @Test func execIsRefusedWithoutRightsAndForMissingPods() async throws {
        let emulator = try await podEmulator()
        let missing = try await emulator.kubectl(["exec", "nothing", "--", "true"])
        #expect(missing.stderr.contains("pods \"nothing\" not found"))
        let badContainer = try await emulator.kubectl(["exec", "web", "-c", "ghost", "--", "true"])
        #expect(badContainer.status != 0)
        #expect(badContainer.stderr.contains("ghost"), "\(badContainer)")
        #expect(try emulator.requestLog().filter { $0["status"] == .int(101) }.isEmpty, "no refused exec was upgraded")
    }
}
