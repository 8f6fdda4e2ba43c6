import KubeAPI
import NIOCore
import PodExec
import SPDY

/// The server side of exec and attach over SPDY/3.1 (`v4.channel.k8s.io`): kubectl opens one
/// stream per channel (`error`, `stdin`, `stdout`, `stderr` or `resize`), each answered at
/// once; when all it asked for are open the command starts; its output goes out on the stdout
/// and stderr streams, and its exit Status on the error stream.
///
/// Runs on the connection's event loop (the SPDY handler calls it there).
final class RemoteCommandSPDYSession: SPDYSessionDelegate {
    private let target: ConnectTarget
    private let podRoot: String
    private let eventLoop: EventLoop
    private var streams: [String: SPDYStreamID] = [:]
    private var expected: Set<String>
    private var command: (any RemoteCommandTarget)?
    private var launched = false
    private var finished = false
    private var resizes = TerminalSizeStreamDecoder()
    private var pendingStdin: [ByteBuffer] = []
    private var pendingSize: TerminalSize?
    private var stdinClosed = false

    init(target: ConnectTarget, podRoot: String, eventLoop: EventLoop) {
        self.target = target
        self.podRoot = podRoot
        self.eventLoop = eventLoop
        var expected: Set<String> = ["error"]
        if target.stdin { expected.insert("stdin") }
        if target.stdout { expected.insert("stdout") }
        if target.stderr { expected.insert("stderr") }
        if target.tty { expected.insert("resize") }
        self.expected = expected
    }

    func spdySession(_ handler: SPDYSessionHandler, didReceive event: SPDYSessionEvent) {
        switch event {
        case .streamOpened(let id, let headers, _, let fin, _):
            let type = headers["streamtype"] ?? ""
            guard expected.contains(type), streams[type] == nil else {
                _ = handler.reset(stream: id, status: .protocolError)
                return
            }
            streams[type] = id
            _ = try? handler.reply(stream: id)
            if fin, type == "stdin" { closeStdin() }
            if Set(streams.keys) == expected { launch(handler) }
        case .data(let id, let bytes, let fin):
            if id == streams["stdin"] {
                if bytes.readableBytes > 0 {
                    if let command { _ = command.writeStdin(bytes) } else { pendingStdin.append(bytes) }
                }
                if fin { closeStdin() }
            } else if id == streams["resize"] {
                resizes.append(bytes.readableBytesView)
                while let size = try? resizes.next() {
                    if let command { command.resize(size) } else { pendingSize = size }
                }
            }
        case .goAway:
            handler.close()
        default:
            break
        }
    }

    private func closeStdin() {
        stdinClosed = true
        command?.closeStdin()
    }

    private func launch(_ handler: SPDYSessionHandler) {
        guard !launched else { return }
        launched = true
        let channelHandler = NIOLoopBound(handler, eventLoop: eventLoop)
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let output = SPDYCommandOutput(handler: channelHandler, streams: streams, finished: { bound.value.finished = true })
        let session = NIOLoopBound(self, eventLoop: eventLoop)
        PodCommand.launch(target, podRoot: podRoot, on: eventLoop).whenComplete { result in
            session.value.started(result, output: output)
        }
    }

    private func started(_ result: Result<any RemoteCommandTarget, any Error>, output: SPDYCommandOutput) {
        switch result {
        case .success(let command):
            self.command = command
            command.start(output: output)
            if let pendingSize { command.resize(pendingSize) }
            for bytes in pendingStdin { _ = command.writeStdin(bytes) }
            pendingStdin = []
            if stdinClosed { command.closeStdin() }
        case .failure(let error):
            let status = (error as? RemoteCommandFailure)?.status ?? .internalError("\(error)")
            output.finish(status)
        }
    }

    func spdySession(_ handler: SPDYSessionHandler, writabilityChanged isWritable: Bool) {
        command?.setOutputDemand(isWritable)
    }

    func spdySessionDidClose(_ handler: SPDYSessionHandler, error: (any Error)?) {
        if !finished { command?.cancel() }
        command = nil
    }
}

/// Delivers a command's output to SPDY streams, hopping to the connection's event loop.
struct SPDYCommandOutput: RemoteCommandOutput {
    let handler: NIOLoopBound<SPDYSessionHandler>
    let streams: [String: SPDYStreamID]
    let finished: @Sendable () -> Void

    init(handler: NIOLoopBound<SPDYSessionHandler>, streams: [String: SPDYStreamID], finished: @escaping () -> Void) {
        self.handler = handler
        self.streams = streams
        let loopBound = NIOLoopBound(finished, eventLoop: handler.eventLoop)
        self.finished = { loopBound.value() }
    }

    func write(_ bytes: ByteBuffer, to stream: RemoteCommandOutputStream) {
        let handler = self.handler
        let id = streams[stream == .stdout ? "stdout" : "stderr"] ?? streams["stdout"]
        handler.eventLoop.execute {
            guard let id else { return }
            _ = try? handler.value.sendData(stream: id, bytes)
        }
    }

    func finish(_ status: RemoteCommandStatus) {
        let handler = self.handler
        let streams = self.streams
        let finished = self.finished
        handler.eventLoop.execute {
            finished()
            for name in ["stdout", "stderr"] {
                if let id = streams[name] { _ = try? handler.value.finish(stream: id) }
            }
            if let error = streams["error"] {
                _ = try? handler.value.sendData(stream: error, ByteBuffer(bytes: status.jsonBytes), fin: true)
            }
        }
    }
}
