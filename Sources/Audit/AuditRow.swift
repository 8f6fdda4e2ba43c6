import Foundation

/// The typed, indexed columns of one `kubetrail.audit_events` row, projected from its event.
///
/// The shipper writes them and `verify` recomputes them from the chained record: a column
/// edited in the database no longer matches its record, and is reported.
struct AuditRow: Equatable {
    var writerID: String
    var seq: Int64
    var eventTime: Int64
    var auditID: UUID
    var kind: String
    var stage: String
    var level: String
    var requestTime: Int64
    var verb: String
    var requestURI: String
    var username: String
    var userUID: String?
    var groups: [String]
    var impersonatedUser: String?
    var sourceIPs: [String]
    var userAgent: String?
    var apiGroup: String?
    var apiVersion: String?
    var resource: String?
    var subresource: String?
    var namespace: String?
    var name: String?
    var statusCode: Int32?
    var cluster: String
    var authnMethod: String
    var credentialID: String?
    var decision: String
    var decisionRule: String?
    var latencyMicroseconds: Int64
    var bytesIn: Int64
    var bytesOut: Int64
    var sessionID: String?
    var connectionID: String?
    var kubectlSession: String?
    var kubectlCommand: String?
    var requestBodyType: String?
    var responseBodyType: String?
}

extension AuditRow {
    init(writerID: String, seq: UInt64, event e: CanonicalEvent) {
        let event = e.event
        self.writerID = writerID
        self.seq = Int64(seq)
        self.eventTime = event.stageTimestamp.microsecondsSince1970
        self.auditID = event.auditID
        self.kind = event.kind.rawValue
        self.stage = event.stage.rawValue
        self.level = event.level.rawValue
        self.requestTime = event.requestReceivedTimestamp.microsecondsSince1970
        self.verb = event.verb
        self.requestURI = event.requestURI
        self.username = event.user.username
        self.userUID = event.user.uid
        self.groups = event.user.groups
        self.impersonatedUser = event.impersonatedUser?.username
        self.sourceIPs = event.sourceIPs
        self.userAgent = event.userAgent
        self.apiGroup = event.objectRef?.apiGroup
        self.apiVersion = event.objectRef?.apiVersion
        self.resource = event.objectRef?.resource
        self.subresource = event.objectRef?.subresource
        self.namespace = event.objectRef?.namespace
        self.name = event.objectRef?.name
        self.statusCode = event.responseStatus?.code
        self.cluster = event.cluster
        self.authnMethod = event.authenticationMethod.rawValue
        self.credentialID = event.credentialID
        self.decision = event.decision.rawValue
        self.decisionRule = event.decisionRule
        self.latencyMicroseconds = event.latencyMicroseconds
        self.bytesIn = event.bytesIn
        self.bytesOut = event.bytesOut
        self.sessionID = event.sessionID
        self.connectionID = event.connectionID
        self.kubectlSession = event.kubectlSession
        self.kubectlCommand = event.kubectlCommand
        self.requestBodyType = e.requestBody?.contentType
        self.responseBodyType = e.responseBody?.contentType
    }

    /// The names of the columns in which `self` and `other` differ.
    func differences(from other: AuditRow) -> [String] {
        let mine = Mirror(reflecting: self).children
        let theirs = Mirror(reflecting: other).children
        return zip(mine, theirs).compactMap { a, b in
            "\(a.value)" == "\(b.value)" ? nil : a.label
        }
    }

    /// Column names in the order of the batch insert.
    static let columns = [
        "writer_id", "seq", "event_time", "prev_hash", "hash", "record", "audit_id", "kind", "stage", "level",
        "request_time", "verb", "request_uri", "username", "user_uid", "groups", "impersonated_user", "source_ips",
        "user_agent", "api_group", "api_version", "resource", "subresource", "namespace", "name", "status_code",
        "cluster", "authn_method", "credential_id", "decision", "decision_rule", "latency_us", "bytes_in",
        "bytes_out", "session_id", "connection_id", "kubectl_session", "kubectl_command", "request_body_type",
        "request_body", "response_body_type", "response_body",
    ]
}
