import Foundation
import NIOCore
import NIOPosix
import PodExec
import Testing

extension IOTests {
    @Suite struct PodProcessTests {
        @Test func pipesSeparateStdoutAndStderrAndReportExitCode() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let process = try await launch(configuration(["sh", "-c", "echo hi; echo err >&2; exit 3"], .pipes(stdin: false), directory: dir))
            let output = CollectingOutput()
            process.start(output: output)
            let status = try await output.status()
            #expect(status == .exitCode(3))
            #expect(status.exitCode == 3)
            #expect(output.stdoutText == "hi\n")
            #expect(output.stderrText == "err\n")
            let exited = try await process.exited.get()
            #expect(exited == .exited(3))
            #expect(!isStillOurChild(process.pid))  // reaped, not a zombie
        }

        @Test func outputOfAProcessThatEndedBeforeStartIsKept() async throws {
            // NIO drains a pipe on EOF even without read demand; those bytes must not be lost.
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            for io in [PodProcessConfiguration.StandardIO.pipes(stdin: false), .terminal(initialSize: nil)] {
                let process = try await launch(configuration(["sh", "-c", "echo early; echo late >&2"], io, directory: dir))
                _ = try await process.exited.get()
                try await Task.sleep(for: .milliseconds(100))
                let output = CollectingOutput()
                process.start(output: output)
                #expect(try await output.status() == .success)
                if io == .pipes(stdin: false) {
                    #expect(output.stdoutText == "early\n")
                    #expect(output.stderrText == "late\n")
                } else {
                    #expect(output.stdoutText == "early\r\nlate\r\n")
                }
            }
        }

        @Test(arguments: 0..<20) func repeatedShortProcessesLoseNothing(_ round: Int) async throws {
            let io: PodProcessConfiguration.StandardIO = round % 2 == 0 ? .pipes(stdin: false) : .terminal(initialSize: nil)
            let process = try await launch(configuration(["sh", "-c", "echo \(round); exit \(round)"], io, directory: "/tmp"))
            let output = CollectingOutput()
            process.start(output: output)
            #expect(try await output.status() == .exitCode(round))
            #expect(output.stdoutText == (round % 2 == 0 ? "\(round)\n" : "\(round)\r\n"))
        }

        @Test func argvIsNotResplitAndEnvironmentIsSmall() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let process = try await launch(
                configuration(["printf", "%s|", "a b", "$HOME", "'q'", "*"], .pipes(stdin: false), directory: dir)
            )
            let output = CollectingOutput()
            process.start(output: output)
            #expect(try await output.status() == .success)
            #expect(output.stdoutText == "a b|$HOME|'q'|*|")

            let env = try await launch(
                configuration(["sh", "-c", "pwd; echo \"$HOME $HOSTNAME ${TERM:-none}\"; env | wc -l"], .pipes(stdin: false), directory: dir)
            )
            let envOutput = CollectingOutput()
            env.start(output: envOutput)
            #expect(try await envOutput.status() == .success)
            let lines = envOutput.stdoutText.split(separator: "\n").map(String.init)
            #expect(lines.count == 3)
            #expect(lines.first == dir)
            #expect(lines.dropFirst().first == "\(dir) web-0 none")
            // PATH, HOME, HOSTNAME, plus what sh itself exports (PWD, maybe SHLVL/OLDPWD).
            #expect((Int(lines.last?.trimmingCharacters(in: .whitespaces) ?? "") ?? 99) <= 6)
        }

        @Test func ptyMergesOutputAndIsATerminal() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let process = try await launch(
                configuration(["sh", "-c", "tty; echo err >&2; stty size; echo $TERM"], .terminal(initialSize: .init(width: 100, height: 30)), directory: dir)
            )
            let output = CollectingOutput()
            process.start(output: output)
            #expect(try await output.status() == .success)
            let lines = output.stdoutText.split(separator: "\r\n").map(String.init)
            #expect(lines.first?.hasPrefix("/dev/pts/") == true)
            #expect(lines.dropFirst() == ["err", "30 100", "xterm"])
            #expect(output.stderrText.isEmpty)
        }

        @Test func resizeReachesTheTerminal() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let process = try await launch(
                configuration(["sh", "-c", "stty size; read x; stty size"], .terminal(initialSize: nil), directory: dir)
            )
            let output = CollectingOutput()
            process.start(output: output)
            #expect(try await output.waitForStdout(containing: "0 0\r\n"))
            process.resize(TerminalSize(width: 132, height: 50))
            _ = try await process.writeStdin(ByteBuffer(string: "go\n")).get()
            #expect(try await output.status() == .success)
            #expect(output.stdoutText.hasSuffix("go\r\n50 132\r\n"))
        }

        @Test func interactiveShellOnATerminal() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let process = try await launch(configuration(["sh"], .terminal(initialSize: .init(width: 80, height: 24)), directory: dir))
            let output = CollectingOutput()
            process.start(output: output)
            _ = try await process.writeStdin(ByteBuffer(string: "echo $((6*7))\nexit 5\n")).get()
            let status = try await output.status()
            #expect(status == .exitCode(5))
            #expect(output.stdoutText.contains("42\r\n"), "\(output.stdoutText.debugDescription)")
            #expect(!output.stdoutText.replacingOccurrences(of: "$((6*7))", with: "").replacingOccurrences(of: "42\r\n", with: "").contains("42"))
        }

        @Test func stdinEndOfFileWithCat() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let process = try await launch(configuration(["cat"], .pipes(stdin: true), directory: dir))
            let output = CollectingOutput()
            process.start(output: output)
            _ = try await process.writeStdin(ByteBuffer(string: "abc")).get()
            _ = try await process.writeStdin(ByteBuffer(string: "def\n")).get()
            process.closeStdin()
            #expect(try await output.status() == .success)
            #expect(output.stdoutText == "abcdef\n")
            await #expect(throws: (any Error).self) { try await process.writeStdin(ByteBuffer(string: "late")).get() }
        }

        @Test func stdinEndOfFileOnATerminalIsControlD() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let process = try await launch(configuration(["cat"], .terminal(initialSize: nil), directory: dir))
            let output = CollectingOutput()
            process.start(output: output)
            _ = try await process.writeStdin(ByteBuffer(string: "line\n")).get()
            process.closeStdin()
            #expect(try await output.status() == .success)
            // The terminal echoes the line, then cat prints it.
            #expect(output.stdoutText == "line\r\nline\r\n")
        }

        @Test func largeOutputArrivesWholeWithBackpressure() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let total = 10 * 1024 * 1024
            let process = try await launch(configuration(["head", "-c", String(total), "/dev/urandom"], .pipes(stdin: false), directory: dir))
            // Pause as soon as the first bytes arrive.
            let output = CollectingOutput(onWrite: { collected in
                if collected.writes == 1 { process.setOutputDemand(false) }
            })
            let exitedFlag = CompletionFlag(process.exited)
            process.start(output: output)
            try await Task.sleep(for: .milliseconds(500))
            let whilePaused = output.snapshot.stdout.count
            #expect(whilePaused < total)
            #expect(whilePaused > 0)
            #expect(!exitedFlag.isSet, "head must be blocked on a full pipe while output is paused")
            try await Task.sleep(for: .milliseconds(200))
            #expect(output.snapshot.stdout.count == whilePaused)

            process.setOutputDemand(true)
            #expect(try await output.status() == .success)
            #expect(output.snapshot.stdout.count == total)
        }

        @Test func cancelKillsTheProcessGroup() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let process = try await launch(configuration(["sh", "-c", "sleep 1000 & echo $!; wait"], .pipes(stdin: true), directory: dir))
            let output = CollectingOutput()
            let statusFlag = CompletionFlag(output.statusFuture)
            process.start(output: output)
            #expect(try await output.waitForStdout(containing: "\n"))
            let child = pid_t(output.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            #expect(child > 0)
            process.cancel()
            let exited = try await process.exited.get()
            #expect(exited == .signaled(SIGKILL))
            #expect(exited.kubernetesExitCode == 137)
            #expect(!isStillOurChild(process.pid))
            try await Task.sleep(for: .milliseconds(100))
            let childState = processState(child)
            #expect(childState == nil || childState == "Z", "the background child died with its group")
            try await Task.sleep(for: .milliseconds(200))
            #expect(!statusFlag.isSet, "a cancelled session gets no status")
        }

        @Test func backgroundChildrenDoNotHoldTheSessionOpen() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let process = try await launch(configuration(["sh", "-c", "sleep 1000 & echo started"], .pipes(stdin: false), directory: dir))
            let output = CollectingOutput()
            process.start(output: output)
            let started = ContinuousClock.now
            #expect(try await output.status() == .success)
            #expect(ContinuousClock.now - started < .seconds(1.5))
            #expect(output.stdoutText == "started\n")
        }

        @Test func signalDeathIsExitCode128PlusSignal() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            let process = try await launch(configuration(["sh", "-c", "kill -TERM $$"], .pipes(stdin: false), directory: dir))
            let output = CollectingOutput()
            process.start(output: output)
            #expect(try await output.status() == .exitCode(143))
        }

        @Test func startFailures() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            await #expect(throws: PodProcessError.executableNotFound("no-such-command-here")) {
                try await launch(configuration(["no-such-command-here", "x"], .pipes(stdin: false), directory: dir))
            }
            await #expect(throws: PodProcessError.emptyCommand) {
                try await launch(configuration([], .pipes(stdin: false), directory: dir))
            }
            await #expect(throws: PodProcessError.spawnFailed(step: "chdir", errno: ENOENT)) {
                try await launch(configuration(["true"], .terminal(initialSize: nil), directory: dir + "/missing"))
            }
        }

        @Test func noDescriptorLeaksOrZombies() async throws {
            let dir = try makePodDirectory()
            defer { removeDirectory(dir) }
            // Warm up lazily created descriptors (thread pool, event loops).
            let warm = try await launch(configuration(["true"], .pipes(stdin: true), directory: dir))
            let warmOutput = CollectingOutput()
            warm.start(output: warmOutput)
            _ = try await warmOutput.status()
            let baseline = try await descriptorBaseline()
            let before = openDescriptorTargets()

            var pids: [pid_t] = []
            for round in 0..<5 {
                let ios: [PodProcessConfiguration.StandardIO] = [.pipes(stdin: true), .pipes(stdin: false), .terminal(initialSize: .init(width: 10, height: 10))]
                for io in ios {
                    let process = try await launch(configuration(["sh", "-c", "echo \(round); cat"], io, directory: dir))
                    pids.append(process.pid)
                    let output = CollectingOutput()
                    process.start(output: output)
                    if round % 2 == 0 {
                        process.closeStdin()
                        #expect(try await output.status().isSuccess)
                    } else {
                        #expect(try await output.waitForStdout(containing: "\(round)", timeout: 3), "\(io) \(output.stdoutText.debugDescription)")
                        process.cancel()
                        _ = try await process.exited.get()
                    }
                }
                _ = try? await launch(configuration(["missing-command-\(round)"], .pipes(stdin: true), directory: dir))
                _ = try? await launch(configuration(["true"], .terminal(initialSize: nil), directory: dir + "/missing"))
            }
            // The whole test bundle runs in this process, other suites in parallel, so the total
            // descriptor count moves for reasons of theirs; only PodProcess opens terminals here.
            _ = baseline
            let terminals = { openDescriptorTargets().filter { $0.contains("/dev/ptmx") || $0.contains("/dev/pts/") }.count }
            let terminalsBefore = before.filter { $0.contains("/dev/ptmx") || $0.contains("/dev/pts/") }.count
            var terminalsAfter = terminals()
            for _ in 0..<100 where terminalsAfter != terminalsBefore {
                try await Task.sleep(for: .milliseconds(20))
                terminalsAfter = terminals()
            }
            #expect(terminalsAfter == terminalsBefore, "before \(before) after \(openDescriptorTargets())")
            for pid in pids {
                #expect(!isStillOurChild(pid), "pid \(pid) was reaped")
            }
        }
    }
}
