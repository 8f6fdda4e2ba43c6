import Audit
import Foundation
import KubeAPI
import Logging
import NIOCore
import Synchronization

/// What every request needs: the clusters, the policy hooks, the audit pipeline and what to do
/// when it cannot record. Clusters, hooks and the failure policy are replaced whole on reload;
/// a request keeps the ones it started with.
public final class ProxyCore: Sendable {
    public enum OnAuditFailure: String, Sendable { case deny, allow }
    /// What happens to a session whose recording fails: it ends, or goes on unrecorded.
    public enum OnRecordingFailure: String, Sendable { case close, `continue` }

    /// The part of the configuration a reload replaces.
    public struct Routing: Sendable {
        public var clusters: [String: UpstreamCluster]
        public var hooks: ProxyPolicyHooks
        public var onAuditFailure: OnAuditFailure
        public var onRecordingFailure: OnRecordingFailure

        public init(clusters: [UpstreamCluster], hooks: ProxyPolicyHooks, onAuditFailure: OnAuditFailure,
                    onRecordingFailure: OnRecordingFailure = .close) {
            self.clusters = Dictionary(uniqueKeysWithValues: clusters.map { ($0.name, $0) })
            self.hooks = hooks
            self.onAuditFailure = onAuditFailure
            self.onRecordingFailure = onRecordingFailure
        }
    }

    /// A mutex: read once per request from many tasks, replaced on reload; held only to copy or
    /// swap the value.
    private let current: Mutex<Routing>
    let pipeline: AuditPipeline
    let logger: Logger
    /// The most of a response body kept for RequestResponse auditing.
    let maximumCapturedBody: Int
    /// Whether what the client sends into exec and attach sessions is recorded (`record_stdin`):
    /// in a session without a terminal it is the only record of what was typed.
    let recordStdin: Bool
    /// The exec, attach and port-forward sessions being recorded now.
    let recordedSessions = RecordedSessions()

    public init(clusters: [UpstreamCluster], hooks: ProxyPolicyHooks, pipeline: AuditPipeline, onAuditFailure: OnAuditFailure = .deny,
                onRecordingFailure: OnRecordingFailure = .close, maximumCapturedBody: Int = 1 << 20, recordStdin: Bool = true,
                logger: Logger = Logger(label: "kubetrail.proxy")) {
        self.recordStdin = recordStdin
        self.current = Mutex(Routing(clusters: clusters, hooks: hooks, onAuditFailure: onAuditFailure, onRecordingFailure: onRecordingFailure))
        self.pipeline = pipeline
        self.maximumCapturedBody = maximumCapturedBody
        self.logger = logger
    }

    /// Ends the sessions being recorded, each with an end event, and closes their connections:
    /// call before the audit pipeline shuts down.
    public func stopSessions() async { await recordedSessions.stopAll() }

    /// The routing a new request uses, and the cluster it names (when there is one), already
    /// counted in use: under the same lock a reload swaps the routing in, so a pool the reload
    /// retires is either not this request's or counts it, and is not closed under it. The caller
    /// calls `requestFinished()` on the cluster when the request ends.
    func claimRouting(forCluster name: String?) -> (routing: Routing, cluster: UpstreamCluster?) {
        current.withLock { routing in
            let cluster = name.flatMap { routing.clusters[$0] }
            cluster?.requestStarted()
            return (routing, cluster)
        }
    }

    /// Puts a reloaded configuration in place for the next request; returns the one it replaced.
    @discardableResult
    public func replace(with routing: Routing) -> Routing {
        current.withLock { old in
            defer { old = routing }
            return old
        }
    }

    /// Records an event; false when it could not be recorded, whatever `on_audit_failure` says
    /// (a session's recording has its own policy).
    func recorded(_ event: AuditEvent) async -> Bool {
        if event.level == .none { return true }
        do {
            try await pipeline.record(event)
            return true
        } catch {
            ProxyMetrics.auditRecordFailed()
            logger.error("audit event not recorded", metadata: ["audit-id": "\(event.auditID)", "stage": "\(event.stage.rawValue)", "error": "\(error)"])
            return false
        }
    }
}

/// Where an exchange writes its answer; each write waits until the client took it.
protocol ResponseWriter: Sendable {
    /// The answer's head. A stream (`streams`) sends each part as it comes; otherwise parts may
    /// wait for the next one and go out together.
    func head(status: Int, headers: [(String, String)], streams: Bool) async throws
    func body(_ chunk: ByteBuffer) async throws
    func end() async throws
    /// The response cannot be finished (upstream broke mid-body): the connection is closed.
    func abort() async
    /// A whole Status answer.
    func status(_ status: KubernetesStatus, auditID: UUID) async
}
