import Foundation
import PodExec
import Testing

/// The real kubectl against a loopback server that serves exec/attach with this module.
/// kubectl is part of the test rig (tools/test requires it): without it these fail, not skip.
private let kubectlPath = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].first { FileManager.default.isExecutableFile(atPath: $0) }

extension IOTests {
    @Suite
    struct KubectlTests {
        private struct Fixture {
            let server: KubectlTestServer
            let podDirectory: String
            let clientDirectory: String
            let kubeconfig: String

            func kubectl(_ arguments: [String], stdin: String = "") throws -> CommandResult {
                try runCommand(
                    [(kubectlPath ?? "/usr/bin/kubectl"), "--kubeconfig", self.kubeconfig, "--cache-dir", self.clientDirectory + "/cache"] + arguments,
                    stdin: stdin
                )
            }

            func cleanUp() async {
                try? await self.server.stop()
                removeDirectory(self.podDirectory)
                removeDirectory(self.clientDirectory)
            }
        }

        private func fixture(attachCommand: [String] = ["sh", "-c", "read line; echo attached $line"]) async throws -> Fixture {
            let podDirectory = try makePodDirectory()
            let clientDirectory = try makePodDirectory()
            let server = try await KubectlTestServer.start(directory: podDirectory, attachCommand: attachCommand)
            let kubeconfig = try writeKubeconfig(port: server.port, directory: clientDirectory)
            return Fixture(server: server, podDirectory: podDirectory, clientDirectory: clientDirectory, kubeconfig: kubeconfig)
        }

        @Test func execReportsOutputAndExitCode() async throws {
            let fixture = try await fixture()
            let result = try fixture.kubectl(["exec", "web", "--", "sh", "-c", "echo out; echo err >&2; exit 3"])
            let requests = fixture.server.requests.withLockedValue { $0 }
            await fixture.cleanUp()
            #expect(result.status == 3)
            #expect(result.stdout == "out\n")
            #expect(result.stderr.contains("err\n"))
            #expect(result.stderr.contains("command terminated with exit code 3"), "\(result.stderr)")
            // kubectl looked the pod up, then upgraded with v5 (no SPDY fallback).
            #expect(requests.contains { $0.hasPrefix("GET /api/v1/namespaces/default/pods/web ") })
            #expect(requests.contains { $0.hasPrefix("UPGRADE GET /api/v1/namespaces/default/pods/web/exec?") && $0.hasSuffix("-> v5.channel.k8s.io") })
            #expect(!requests.contains { $0.hasPrefix("POST") })
        }

        @Test func execWithStdinClosesItAtTheEnd() async throws {
            let fixture = try await fixture()
            let input = (1...2000).map { "line \($0)\n" }.joined()
            let result = try fixture.kubectl(["exec", "-i", "web", "--", "cat"], stdin: input)
            await fixture.cleanUp()
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == input)
        }

        @Test func copyFilesBothWays() async throws {
            let fixture = try await fixture()
            let content = (0..<50_000).map { _ in "abcdefghij".randomElement()! }.map(String.init).joined()
            try content.write(toFile: fixture.podDirectory + "/data.txt", atomically: true, encoding: .utf8)

            let download = try fixture.kubectl(["cp", "web:data.txt", fixture.clientDirectory + "/copy.txt"])
            #expect(download.status == 0, "\(download.stderr)")
            #expect((try? String(contentsOfFile: fixture.clientDirectory + "/copy.txt", encoding: .utf8)) == content)

            try "uploaded\n".write(toFile: fixture.clientDirectory + "/up.txt", atomically: true, encoding: .utf8)
            let upload = try fixture.kubectl(["cp", fixture.clientDirectory + "/up.txt", "web:up-in-pod.txt"])
            #expect(upload.status == 0, "\(upload.stderr)")
            #expect((try? String(contentsOfFile: fixture.podDirectory + "/up-in-pod.txt", encoding: .utf8)) == "uploaded\n")
            // kubectl cp runs `tar cf - data.txt`, then `test -d up-in-pod.txt` and `tar -xmf - -C .`.
            let requests = fixture.server.requests.withLockedValue { $0 }
            await fixture.cleanUp()
            #expect(requests.contains { $0.contains("/exec?command=tar&command=cf&command=-&command=data.txt&") })
            #expect(requests.contains { $0.contains("/exec?command=tar&command=-xmf&command=-&command=-C&command=.&") })
        }

        @Test func execWithATerminalSendsItsSize() async throws {
            let fixture = try await fixture()
            // `script` gives kubectl a terminal of a known size.
            let inner = "stty rows 33 cols 99; \((kubectlPath ?? "/usr/bin/kubectl")) --kubeconfig \(fixture.kubeconfig) --cache-dir \(fixture.clientDirectory)/cache exec -it web -- sh -c 'stty size; tty; exit 4'"
            let result = try runCommand(["script", "-qec", inner, "/dev/null"])
            let requests = fixture.server.requests.withLockedValue { $0 }
            await fixture.cleanUp()
            #expect(result.status == 4, "\(result.stdout) \(result.stderr)")
            #expect(result.stdout.contains("33 99"), "\(result.stdout)")
            #expect(result.stdout.contains("/dev/pts/"))
            #expect(requests.contains { $0.contains("tty=true") })
        }

        @Test func attachToARunningProcess() async throws {
            let fixture = try await fixture()
            let result = try fixture.kubectl(["attach", "-i", "web"], stdin: "hello\n")
            let requests = fixture.server.requests.withLockedValue { $0 }
            await fixture.cleanUp()
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("attached hello"), "\(result.stdout) \(result.stderr)")
            #expect(requests.contains { $0.hasPrefix("UPGRADE GET /api/v1/namespaces/default/pods/web/attach?") })
        }
    }
}
