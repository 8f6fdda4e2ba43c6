import Audit
import Foundation
import KubeAPI
import Logging
import NIOCore

/// What every request needs: the clusters, the policy hooks, the audit pipeline and what to do
/// when it cannot record.
public final class ProxyCore: Sendable {
    public enum OnAuditFailure: String, Sendable { case deny, allow }

    let clusters: [String: UpstreamCluster]
    let hooks: ProxyPolicyHooks
    let pipeline: AuditPipeline
    let onAuditFailure: OnAuditFailure
    let logger: Logger
    /// The most of a response body kept for RequestResponse auditing.
    let maximumCapturedBody: Int

    public init(clusters: [UpstreamCluster], hooks: ProxyPolicyHooks, pipeline: AuditPipeline, onAuditFailure: OnAuditFailure = .deny,
                maximumCapturedBody: Int = 1 << 20, logger: Logger = Logger(label: "kubetrail.proxy")) {
        self.clusters = Dictionary(uniqueKeysWithValues: clusters.map { ($0.name, $0) })
        self.hooks = hooks
        self.pipeline = pipeline
        self.onAuditFailure = onAuditFailure
        self.maximumCapturedBody = maximumCapturedBody
        self.logger = logger
    }

    /// Records an event unless the audit policy omits its stage for the request; false when it
    /// could not be recorded and the request must be refused.
    func record(_ event: AuditEvent, omitting omitted: Set<AuditEvent.Stage>) async -> Bool {
        omitted.contains(event.stage) ? true : await record(event)
    }

    /// Records an event; false when it could not be recorded and the request must be refused.
    func record(_ event: AuditEvent) async -> Bool {
        if event.level == .none { return true }
        do {
            try await pipeline.record(event)
            return true
        } catch {
            logger.error("audit event not recorded", metadata: ["audit-id": "\(event.auditID)", "stage": "\(event.stage.rawValue)", "error": "\(error)"])
            return onAuditFailure == .allow
        }
    }
}

/// Where an exchange writes its answer; each write waits until the client took it.
protocol ResponseWriter: Sendable {
    func head(status: Int, headers: [(String, String)]) async throws
    func body(_ chunk: ByteBuffer) async throws
    func end() async throws
    /// The response cannot be finished (upstream broke mid-body): the connection is closed.
    func abort() async
    /// A whole Status answer.
    func status(_ status: KubernetesStatus, auditID: UUID) async
}
