import Foundation

/// One line of `kubetrail sessions`: an interactive session (exec, attach, port-forward) or an
/// API session (every request of one kubectl run).
public struct SessionOverview: Sendable, Equatable {
    /// What kind of session it is.
    public enum Kind: String, Sendable, CaseIterable {
        case exec
        case attach
        case portforward
        /// All requests of one kubectl run: its `Kubectl-Session`, or its connection when the
        /// client sent none.
        case api

        /// The interactive kinds, whose id is the exec, attach or port-forward request's audit id.
        public static let interactive: [Kind] = [.exec, .attach, .portforward]
    }

    /// What `kubetrail replay` takes: the interactive session's id, or the Kubectl-Session or
    /// connection id of an API session.
    public var id: String
    public var kind: Kind
    public var user: String
    /// The cluster (several, comma-separated, if one kubectl run addressed more than one).
    public var cluster: String
    /// `namespace/pod: command` of an interactive session (`namespace/pod ports` for a
    /// port-forward); the Kubectl-Command (`kubectl apply`) of an API session.
    public var target: String
    public var start: Date
    /// Microseconds from start to end; nil while an interactive session has no end event (live,
    /// or cut off by a crash).
    public var duration: Int64?
    /// Bytes from the client and from the cluster.
    public var bytesIn: Int64
    public var bytesOut: Int64
    /// How an interactive session ended (`exit 0`, `exit 3`, `client closed`, `live`), or what
    /// an API session's requests got (`12 requests`, `… 1 denied, 2 failed`).
    public var outcome: String
    /// The command's exit code (interactive sessions that reported one).
    public var exitCode: Int32?
    /// Requests in an API session (nil for interactive sessions).
    public var requests: Int64?

    public init(id: String, kind: Kind, user: String, cluster: String, target: String, start: Date, duration: Int64?,
                bytesIn: Int64, bytesOut: Int64, outcome: String, exitCode: Int32? = nil, requests: Int64? = nil) {
        self.id = id
        self.kind = kind
        self.user = user
        self.cluster = cluster
        self.target = target
        self.start = start
        self.duration = duration
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.outcome = outcome
        self.exitCode = exitCode
        self.requests = requests
    }

    /// The overview of an interactive session from its start event and, once it ended, its end event.
    public init(start: AuditEvent, end: AuditEvent?) {
        let kind = Kind(rawValue: start.annotations[SessionAnnotation.kind] ?? start.objectRef?.subresource ?? "") ?? .exec
        let pod = [start.objectRef?.namespace, start.objectRef?.name].compactMap { $0 }.joined(separator: "/")
        var target = pod
        if let ports = start.annotations[SessionAnnotation.ports] {
            target += " ports " + ports
        } else if let command = start.annotations[SessionAnnotation.command] {
            target += ": " + command
        }
        var outcome = "live"
        var exitCode: Int32?
        if let end {
            let endedBy = end.annotations[SessionAnnotation.endedBy] ?? "ended"
            exitCode = end.annotations[SessionAnnotation.exitCode].flatMap { Int32($0) }
            outcome = exitCode.map { endedBy == "exited" ? "exit \($0)" : "\(endedBy), exit \($0)" } ?? endedBy
        }
        self.init(
            id: start.sessionID ?? start.auditID.uuidString.lowercased(), kind: kind, user: start.user.username, cluster: start.cluster,
            target: target, start: start.stageTimestamp,
            duration: end.map { $0.annotations[SessionAnnotation.duration].flatMap { Int64($0) } ?? $0.latencyMicroseconds },
            bytesIn: end?.bytesIn ?? 0, bytesOut: end?.bytesOut ?? 0, outcome: outcome, exitCode: exitCode)
    }
}
