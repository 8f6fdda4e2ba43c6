import Audit
import Foundation
import KubeAPI

/// Builds the audit events of one request, stage by stage, from what the proxy learned of it.
struct RequestAuditor: Sendable {
    var auditID: UUID
    var received: Date
    var cluster: String
    var method: String
    var requestURI: String
    var info: RequestInfo?
    var caller: AuthenticatedCaller?
    var impersonated: ImpersonationRequest?
    var sourceIP: String
    var userAgent: String?
    var connectionID: String
    var kubectlSession: String?
    var kubectlCommand: String?
    var level: AuditEvent.Level = .metadata
    /// Stages the policy omits for this request (refusals are recorded regardless).
    var omitStages: Set<AuditEvent.Stage> = []
    var decisionRule: String?
    /// The exec, attach or port-forward session this request opens (its own audit id), which
    /// every event of the session carries as its session id.
    var interactiveSession: String?

    func event(stage: AuditEvent.Stage, status: ResponseStatus? = nil, decision: AuditEvent.Decision = .allow,
               latency: Int64 = 0, bytesIn: Int64 = 0, bytesOut: Int64 = 0,
               requestBody: Payload? = nil, responseBody: Payload? = nil, now: Date = Date()) -> AuditEvent {
        var objectRef: ObjectReference?
        if let info, info.isResourceRequest {
            objectRef = ObjectReference(
                apiGroup: info.apiGroup.isEmpty ? nil : info.apiGroup, apiVersion: info.apiVersion,
                resource: info.resource, subresource: info.subresource.isEmpty ? nil : info.subresource,
                namespace: info.namespace.isEmpty ? nil : info.namespace, name: info.name.isEmpty ? nil : info.name)
        }
        return AuditEvent(
            auditID: auditID, stage: stage, level: level, verb: info?.verb ?? method.lowercased(), requestURI: requestURI,
            user: caller?.userInfo ?? UserInfo(username: "system:anonymous", groups: ["system:unauthenticated"]),
            impersonatedUser: impersonated.map { UserInfo(username: $0.user, groups: $0.groups) },
            sourceIPs: [sourceIP], userAgent: userAgent, objectRef: objectRef, responseStatus: status,
            requestReceivedTimestamp: received, stageTimestamp: now, cluster: cluster,
            authenticationMethod: caller?.method ?? .none, credentialID: caller?.credentialID, decision: decision,
            decisionRule: decisionRule, latencyMicroseconds: latency, bytesIn: bytesIn, bytesOut: bytesOut,
            sessionID: interactiveSession ?? kubectlSession ?? connectionID, connectionID: connectionID, kubectlSession: kubectlSession,
            kubectlCommand: kubectlCommand, requestBody: level >= .request ? requestBody : nil,
            responseBody: level >= .requestResponse ? responseBody : nil)
    }
}

extension AuditEvent.Level: Comparable {
    private var rank: Int {
        switch self {
        case .none: 0
        case .metadata: 1
        case .request: 2
        case .requestResponse: 3
        }
    }

    public static func < (lhs: AuditEvent.Level, rhs: AuditEvent.Level) -> Bool { lhs.rank < rhs.rank }
}
