import Audit
import SessionRecording

extension SessionSummary {
    /// What the session's start event says: who, where, what command, over which protocol.
    public init(id: String, start: AuditEvent) {
        self.init(
            id: id, user: start.user.username, cluster: start.cluster, namespace: start.objectRef?.namespace ?? "",
            pod: start.objectRef?.name ?? "", command: start.annotations[SessionAnnotation.command] ?? "",
            protocolName: start.annotations[SessionAnnotation.protocolName] ?? "",
            startedAt: start.requestReceivedTimestamp.timeIntervalSince1970)
    }

    /// Takes how the session ended from its end event.
    public mutating func ended(_ end: AuditEvent) {
        exitCode = end.annotations[SessionAnnotation.exitCode]
        endedBy = end.annotations[SessionAnnotation.endedBy]
    }

    /// Takes the terminal size from the first resize among `frames`, if any.
    public mutating func sized(by frames: some Sequence<SessionFrame>) {
        if let size = frames.lazy.filter({ $0.stream == .resize }).compactMap({ TerminalResize.parse($0.bytes) }).first {
            width = Int(size.width)
            height = Int(size.height)
        }
    }
}
