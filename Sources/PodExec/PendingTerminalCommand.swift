import NIOCore

/// A `-t` command that starts once the client has said how big its terminal is.
///
/// kubectl sends the terminal size on the resize channel right after connecting, concurrently
/// with the command starting; a command that asks for its size at once (`stty size`) would see
/// 0×0. Waiting for that first size (at most `grace`) gives the pty the right size from birth.
/// Everything the session sends meanwhile is kept and replayed in order.
public final class PendingTerminalCommand: RemoteCommandTarget, @unchecked Sendable {
    // @unchecked: every mutable property is touched only on `eventLoop`.
    private let eventLoop: EventLoop
    private var configuration: PodProcessConfiguration
    private var process: (any RemoteCommandTarget)?
    private var output: (any RemoteCommandOutput)?
    private var failure: RemoteCommandStatus?
    private var queuedStdin: [(ByteBuffer, EventLoopPromise<Void>)] = []
    private var stdinClosed = false
    private var wantsOutput = true
    private var cancelled = false
    private var launching = false

    /// Launches `configuration` on a pty once the first size arrives, or after `grace`.
    public init(configuration: PodProcessConfiguration, eventLoop: EventLoop, grace: TimeAmount = .milliseconds(500)) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        eventLoop.scheduleTask(in: grace) { self.launch(size: nil) }
    }

    private func onLoop(_ body: @escaping @Sendable () -> Void) {
        if eventLoop.inEventLoop { body() } else { eventLoop.execute(body) }
    }

    private func launch(size: TerminalSize?) {
        guard !launching, !cancelled else { return }
        launching = true
        configuration.standardIO = .terminal(initialSize: size)
        PodProcess.launch(configuration, on: eventLoop).whenComplete { result in
            switch result {
            case .success(let process):
                self.started(process)
            case .failure(let error):
                let status = (error as? RemoteCommandFailure)?.status ?? .internalError("\(error)")
                if let output = self.output { output.finish(status) } else { self.failure = status }
            }
        }
    }

    private func started(_ process: PodProcess) {
        if cancelled {
            process.cancel()
            return
        }
        self.process = process
        if let output { process.start(output: output) }
        process.setOutputDemand(wantsOutput)
        for (bytes, promise) in queuedStdin { process.writeStdin(bytes).cascade(to: promise) }
        queuedStdin = []
        if stdinClosed { process.closeStdin() }
    }

    public func start(output: any RemoteCommandOutput) {
        onLoop {
            self.output = output
            if let failure = self.failure { output.finish(failure) }
            self.process?.start(output: output)
        }
    }

    public func writeStdin(_ bytes: ByteBuffer) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        onLoop {
            if let process = self.process {
                process.writeStdin(bytes).cascade(to: promise)
            } else {
                self.queuedStdin.append((bytes, promise))
            }
        }
        return promise.futureResult
    }

    public func closeStdin() {
        onLoop {
            self.stdinClosed = true
            self.process?.closeStdin()
        }
    }

    public func resize(_ size: TerminalSize) {
        onLoop {
            if let process = self.process { process.resize(size) } else { self.launch(size: size) }
        }
    }

    public func setOutputDemand(_ wantsOutput: Bool) {
        onLoop {
            self.wantsOutput = wantsOutput
            self.process?.setOutputDemand(wantsOutput)
        }
    }

    public func cancel() {
        onLoop {
            self.cancelled = true
            self.process?.cancel()
            for (_, promise) in self.queuedStdin { promise.fail(ChannelError.ioOnClosedChannel) }
            self.queuedStdin = []
        }
    }
}
