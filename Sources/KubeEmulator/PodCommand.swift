import Foundation
import KubeAPI
import NIOCore
import PodExec

/// What an exec or attach runs in an emulated pod: a real process under /bin/sh in the pod's
/// private directory (`--state-dir/pods/NAMESPACE/POD`), on a pty when `tty` was asked for.
///
/// `attach` has no container main process to join here: it starts an interactive `sh` in the
/// pod directory for the session (documented in docs/kube-emulator.md).
enum PodCommand {
    static func configuration(_ target: ConnectTarget, podRoot: String) throws -> PodProcessConfiguration {
        let directory = podRoot + "/" + target.namespace + "/" + target.podName
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let command = target.subresource == "attach" ? ["sh"] : target.command
        return PodProcessConfiguration(
            command: command, workingDirectory: directory, podName: target.podName,
            standardIO: target.tty ? .terminal(initialSize: nil) : .pipes(stdin: target.stdin))
    }

    static func options(_ target: ConnectTarget) -> RemoteCommandOptions {
        RemoteCommandOptions(stdin: target.stdin, stdout: target.stdout, stderr: target.stderr, tty: target.tty)
    }

    /// Starts the command on `eventLoop`; a failure to start becomes the Status the client sees.
    static func launch(_ target: ConnectTarget, podRoot: String, on eventLoop: EventLoop) -> EventLoopFuture<any RemoteCommandTarget> {
        let configuration: PodProcessConfiguration
        do {
            configuration = try Self.configuration(target, podRoot: podRoot)
        } catch {
            return eventLoop.makeFailedFuture(RemoteCommandFailure(status: .internalError("cannot prepare the pod directory: \(error)")))
        }
        if target.tty {
            return eventLoop.makeSucceededFuture(PendingTerminalCommand(configuration: configuration, eventLoop: eventLoop))
        }
        return PodProcess.launch(configuration, on: eventLoop).map { $0 as any RemoteCommandTarget }
    }
}
