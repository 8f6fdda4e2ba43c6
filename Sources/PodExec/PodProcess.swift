import CPodProcess
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

import class Foundation.Thread

/// A command running for a pod, with its standard streams on NIO: the `exec` target.
///
/// Started by `launch`, it runs `sh -c 'exec "$@"' sh ARGV…` in its own session and process
/// group, on pipes or on a new pseudo terminal. Output is read only while there is demand
/// (`start(output:)`, `setOutputDemand`), so a slow client slows the process down instead of
/// filling memory (NIO still drains a descriptor once it reports EOF: at most what the pipe or
/// pty holds, kept until `start` if need be). The status is delivered once, after all output. `cancel()` kills the
/// process group. The exit is observed by a thread blocked in `waitid(WNOWAIT)`; reaping and
/// every signal happen on the event loop, so a pid is never signalled after it was reaped.
///
/// Sendable because every mutable property is touched only on `eventLoop` (public methods
/// hop there first).
public final class PodProcess: RemoteCommandTarget, @unchecked Sendable {
    /// The loop all of this process's I/O runs on.
    public let eventLoop: EventLoop
    /// The process id (also its session and process group id).
    public let pid: pid_t
    public let configuration: PodProcessConfiguration
    private let exitPromise: EventLoopPromise<PodProcessExitStatus>

    // Loop-confined state.
    private var terminalChannel: Channel?
    private var stdoutChannel: Channel?
    private var stderrChannel: Channel?
    private var stdinChannel: Channel?
    /// A duplicate of the pty master kept for TIOCSWINSZ (NIO owns the others).
    private var terminalControlDescriptor: CInt?
    private var openOutputs: Int
    private var output: (any RemoteCommandOutput)?
    private var outputBeforeStart: [(ByteBuffer, RemoteCommandOutputStream)] = []
    private var started = false
    private var cancelled = false
    private var finished = false
    private var wantsOutput = true
    private var exitStatus: PodProcessExitStatus?
    private var reaped = false
    private var stdinClosed = false
    private var lastStdinWrite: EventLoopFuture<Void>?
    private var bytesSinceDrainCheck = 0
    private var drainCheck: Scheduled<Void>?

    /// The character written to a pty when the client closes stdin: ^D (the default VEOF),
    /// which a program reading the terminal in canonical mode sees as end of file.
    public static let terminalEndOfFile: UInt8 = 0x04

    private init(pid: pid_t, configuration: PodProcessConfiguration, eventLoop: EventLoop) {
        self.pid = pid
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.exitPromise = eventLoop.makePromise()
        self.openOutputs = configuration.usesTerminal ? 1 : 2
    }

    /// Starts `configuration` with its I/O on `eventLoop`.
    ///
    /// Fork and exec run on `NIOThreadPool.singleton` (they block until exec succeeded). Fails
    /// with `PodProcessError` when the command is empty, not found, or cannot be started.
    public static func launch(
        _ configuration: PodProcessConfiguration,
        on eventLoop: EventLoop
    ) -> EventLoopFuture<PodProcess> {
        NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) {
            try PodProcessSpawner.spawn(configuration)
        }.flatMap { spawned in
            let process = PodProcess(pid: spawned.pid, configuration: configuration, eventLoop: eventLoop)
            process.watchForExit()
            return process.connect(spawned).map { process }.flatMapError { error in
                process.cancel()
                return eventLoop.makeFailedFuture(error)
            }
        }
    }

    /// Completes when the process has ended (before its remaining output is drained).
    public var exited: EventLoopFuture<PodProcessExitStatus> { self.exitPromise.futureResult }

    // MARK: RemoteCommandTarget

    public func start(output: any RemoteCommandOutput) {
        self.onLoop {
            guard !self.started, !self.cancelled else { return }
            self.started = true
            self.output = output
            let early = self.outputBeforeStart
            self.outputBeforeStart = []
            for (bytes, stream) in early { output.write(bytes, to: stream) }
            self.applyOutputDemand()
            self.finishIfDone()
        }
    }

    public func writeStdin(_ bytes: ByteBuffer) -> EventLoopFuture<Void> {
        self.onLoop {
            guard !self.stdinClosed, !self.cancelled,
                let channel = self.configuration.usesTerminal ? self.terminalChannel : self.stdinChannel
            else {
                return self.eventLoop.makeFailedFuture(ChannelError.outputClosed)
            }
            let written = channel.writeAndFlush(bytes)
            self.lastStdinWrite = written
            return written
        }
    }

    public func closeStdin() {
        self.onLoop {
            guard !self.stdinClosed else { return }
            self.stdinClosed = true
            if self.configuration.usesTerminal {
                guard let channel = self.terminalChannel else { return }
                var eof = channel.allocator.buffer(capacity: 1)
                eof.writeInteger(Self.terminalEndOfFile)
                channel.writeAndFlush(eof, promise: nil)
            } else if let channel = self.stdinChannel {
                self.stdinChannel = nil
                // Let queued writes reach the pipe first; closing it is the process's EOF.
                if let last = self.lastStdinWrite {
                    last.whenComplete { _ in channel.close(promise: nil) }
                } else {
                    channel.close(promise: nil)
                }
            }
        }
    }

    public func resize(_ size: TerminalSize) {
        self.onLoop {
            guard let descriptor = self.terminalControlDescriptor else { return }
            _ = cpod_set_window_size(descriptor, size.height, size.width)
        }
    }

    public func setOutputDemand(_ wantsOutput: Bool) {
        self.onLoop {
            self.wantsOutput = wantsOutput
            self.applyOutputDemand()
        }
    }

    public func cancel() {
        self.onLoop {
            guard !self.cancelled else { return }
            self.cancelled = true
            self.output = nil
            self.outputBeforeStart = []
            if !self.reaped {
                _ = cpod_kill_group(self.pid, SIGKILL)
            }
            self.releaseDescriptors()
        }
    }

    // MARK: Output (called by the handlers, on the loop)

    func outputReceived(_ bytes: ByteBuffer, from stream: RemoteCommandOutputStream) {
        self.eventLoop.preconditionInEventLoop()
        self.bytesSinceDrainCheck += bytes.readableBytes
        if let output = self.output {
            output.write(bytes, to: stream)
        } else if !self.started && !self.cancelled {
            // NIO drains a descriptor on EOF even without read demand: keep those bytes (at
            // most what the pipe or pty held) for the session that has not started yet.
            self.outputBeforeStart.append((bytes, stream))
        }
    }

    func outputEnded(_ stream: RemoteCommandOutputStream) {
        self.eventLoop.preconditionInEventLoop()
        self.openOutputs -= 1
        self.finishIfDone()
    }

    // MARK: Private

    /// Runs `body` on the loop: now if already there (so calls made on the loop keep their
    /// order), else as a task.
    private func onLoop(_ body: @escaping @Sendable () -> Void) {
        if self.eventLoop.inEventLoop {
            body()
        } else {
            self.eventLoop.execute(body)
        }
    }

    private func onLoop<Value: Sendable>(
        _ body: @escaping @Sendable () -> EventLoopFuture<Value>
    ) -> EventLoopFuture<Value> {
        if self.eventLoop.inEventLoop {
            return body()
        }
        return self.eventLoop.flatSubmit(body)
    }

    private var outputChannels: [Channel] {
        [self.terminalChannel, self.stdoutChannel, self.stderrChannel].compactMap { $0 }
    }

    private func applyOutputDemand() {
        let read = self.started && self.wantsOutput && !self.cancelled
        for channel in self.outputChannels {
            channel.setOption(ChannelOptions.autoRead, value: read).whenFailure { _ in }
        }
    }

    private func finishIfDone() {
        guard self.started, !self.finished, !self.cancelled, self.openOutputs <= 0,
            let status = self.exitStatus
        else { return }
        self.finished = true
        let output = self.output
        self.output = nil
        self.releaseDescriptors()
        output?.finish(status.remoteCommandStatus)
    }

    private func releaseDescriptors() {
        self.drainCheck?.cancel()
        self.drainCheck = nil
        for channel in self.outputChannels + [self.stdinChannel].compactMap({ $0 }) {
            channel.close(promise: nil)
        }
        self.stdinChannel = nil
        if let descriptor = self.terminalControlDescriptor {
            close(descriptor)
            self.terminalControlDescriptor = nil
        }
    }

    /// A thread waits (without reaping) for the process to end, then hands over to the loop.
    private func watchForExit() {
        let pid = self.pid
        Thread.detachNewThread { [self] in
            var exited: CInt = 0
            var code: CInt = 0
            let status: PodProcessExitStatus
            if cpod_wait_ended(pid, &exited, &code) == 0 {
                status = exited != 0 ? .exited(code) : .signaled(code)
            } else {
                status = .exited(-1)
                // The loop checks whether it really ended, and waits again if not: not at once.
                usleep(50_000)
            }
            self.eventLoop.execute { self.processEnded(status) }
        }
    }

    private func processEnded(_ status: PodProcessExitStatus) {
        if self.configuration.killProcessGroupOnExit || self.cancelled {
            // The zombie still holds the pid, so the group id cannot have been reused.
            _ = cpod_kill_group(self.pid, SIGKILL)
        }
        if cpod_reap(self.pid) == 0 {
            // Not waitable yet: the watcher's wait failed without the process ending (an error
            // other than an interrupted call). Wait again rather than report an exit and leave a
            // zombie behind when it does end.
            return self.watchForExit()
        }
        self.reaped = true
        self.exitStatus = status
        self.exitPromise.succeed(status)
        if let stdin = self.stdinChannel {
            self.stdinChannel = nil
            stdin.close(promise: nil)
        }
        self.finishIfDone()
        if !self.finished && !self.cancelled {
            self.scheduleDrainCheck()
        }
    }

    /// After the exit: if output stays silent for a whole period while the client is reading,
    /// something detached still holds the streams; close them so the session can end.
    private func scheduleDrainCheck() {
        self.bytesSinceDrainCheck = 0
        self.drainCheck = self.eventLoop.scheduleTask(in: self.configuration.outputDrainTimeout) {
            self.drainCheck = nil
            guard !self.finished, !self.cancelled else { return }
            if self.started && self.wantsOutput && self.bytesSinceDrainCheck == 0 {
                for channel in self.outputChannels { channel.close(promise: nil) }
            } else {
                self.scheduleDrainCheck()
            }
        }
    }

    /// Gives the descriptors to NIO channels on the loop. On failure, closes those not yet owned.
    private func connect(_ spawned: SpawnedPodProcess) -> EventLoopFuture<Void> {
        self.eventLoop.preconditionInEventLoop()
        if let master = spawned.terminalMaster {
            let control = fcntl(master, F_DUPFD_CLOEXEC, 0)
            if control >= 0 { self.terminalControlDescriptor = control }
            return self.bootstrap(.stdout).takingOwnershipOfDescriptor(inputOutput: master).map { channel in
                self.terminalChannel = channel
                self.connected()
            }.flatMapErrorThrowing { error in
                close(master)
                throw error
            }
        }
        guard let stdoutReader = spawned.stdoutReader, let stderrReader = spawned.stderrReader else {
            return self.eventLoop.makeFailedFuture(PodProcessError.spawnFailed(step: "pipe", errno: EBADF))
        }
        var unowned: Set<CInt> = [stdoutReader, stderrReader]
        if let writer = spawned.stdinWriter { unowned.insert(writer) }
        let pending = NIOLoopBoundBox(unowned, eventLoop: self.eventLoop)

        return self.bootstrap(.stdout).takingOwnershipOfDescriptor(input: stdoutReader).flatMap { stdout in
            pending.value.remove(stdoutReader)
            self.stdoutChannel = stdout
            return self.bootstrap(.stderr).takingOwnershipOfDescriptor(input: stderrReader)
        }.flatMap { stderr -> EventLoopFuture<Void> in
            pending.value.remove(stderrReader)
            self.stderrChannel = stderr
            guard let writer = spawned.stdinWriter else { return self.eventLoop.makeSucceededVoidFuture() }
            return NIOPipeBootstrap(group: self.eventLoop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(PodProcessStdinHandler())
                    }
                }
                .takingOwnershipOfDescriptor(output: writer)
                .map { stdin in
                    pending.value.remove(writer)
                    self.stdinChannel = stdin
                }
        }.map {
            self.connected()
        }.flatMapErrorThrowing { error in
            for descriptor in pending.value { close(descriptor) }
            throw error
        }
    }

    /// All descriptors are NIO's now; a `cancel` that came first still has to close them.
    private func connected() {
        if self.cancelled {
            self.releaseDescriptors()
        } else {
            self.applyOutputDemand()
        }
    }

    private func bootstrap(_ stream: RemoteCommandOutputStream) -> NIOPipeBootstrap {
        NIOPipeBootstrap(group: self.eventLoop)
            .channelOption(ChannelOptions.autoRead, value: false)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        PodProcessOutputHandler(stream: stream, process: self)
                    )
                }
            }
    }
}
