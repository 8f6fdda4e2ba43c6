import Foundation

/// How records are printed: an aligned table, JSON lines, CSV, or Kubernetes audit events.
public enum AuditRecordFormat: String, Sendable, CaseIterable {
    case table
    case json
    case csv
    /// `audit.k8s.io/v1` Event JSON lines, as kube-apiserver's log backend writes them, so that
    /// SIEM pipelines built for apiserver audit logs ingest Kubetrail's unchanged.
    case k8sAudit = "k8s-audit"

    /// The first line, if the format has one.
    public var header: String? {
        switch self {
        case .table: return Self.textTable.header
        case .csv: return Self.csvColumns.joined(separator: ",")
        case .json, .k8sAudit: return nil
        }
    }

    /// One record as one line, without its newline.
    public func line(_ record: AuditRecord) -> String {
        switch self {
        case .table: return Self.tableLine(record)
        case .csv: return Self.csvLine(record)
        case .json, .k8sAudit:
            var bytes: [UInt8] = []
            bytes.reserveCapacity(1024)
            write(record, into: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Appends one record as one line, without its newline, to `bytes`: what `line` returns,
    /// without a String or a buffer of its own per record (export's hot path).
    public func write(_ record: AuditRecord, into bytes: inout [UInt8]) {
        switch self {
        case .table: bytes.append(contentsOf: Self.tableLine(record).utf8)
        case .csv: bytes.append(contentsOf: Self.csvLine(record).utf8)
        case .json, .k8sAudit:
            var j = JSONText(appendingTo: [])
            swap(&j.bytes, &bytes)
            if self == .json { Self.jsonLine(record, &j) } else { Self.k8sAuditLine(record, &j) }
            swap(&j.bytes, &bytes)
        }
    }

    // MARK: table

    static let textTable = TextTable(columns: [
        ("TIME", 24), ("USER", 22), ("CLUSTER", 14), ("VERB", 8), ("RESOURCE", 14), ("NAMESPACE/NAME", 30), ("CODE", 4), ("DECISION", 8),
    ])

    static func tableLine(_ r: AuditRecord) -> String {
        let e = r.event
        let target = [e.objectRef?.namespace, e.objectRef?.name].compactMap { $0 }.joined(separator: "/")
        let resource = [e.objectRef?.resource, e.objectRef?.subresource].compactMap { $0 }.joined(separator: "/")
        let cells = [
            String(e.stageTimestamp.rfc3339Micro.prefix(23)) + "Z", e.user.username, e.cluster, e.verb,
            resource.isEmpty ? "-" : resource, target.isEmpty ? e.requestURI : target,
            e.responseStatus.map { String($0.code) } ?? "-", e.decision.rawValue,
        ]
        return textTable.line(cells)
    }

    // MARK: CSV (RFC 4180)

    static let csvColumns = [
        "time", "writer", "seq", "audit_id", "kind", "stage", "user", "groups", "impersonated_user", "cluster", "verb",
        "api_group", "resource", "subresource", "namespace", "name", "status", "decision", "rule", "latency_us", "bytes_in",
        "bytes_out", "source_ips", "user_agent", "session", "kubectl_session", "kubectl_command", "request_uri",
    ]

    static func csvLine(_ r: AuditRecord) -> String {
        let e = r.event
        let fields: [String?] = [
            e.stageTimestamp.rfc3339Micro, r.writerID, String(r.seq), e.auditID.uuidString.lowercased(), e.kind.rawValue,
            e.stage.rawValue, e.user.username, e.user.groups.joined(separator: ";"), e.impersonatedUser?.username, e.cluster,
            e.verb, e.objectRef?.apiGroup, e.objectRef?.resource, e.objectRef?.subresource, e.objectRef?.namespace,
            e.objectRef?.name, e.responseStatus.map { String($0.code) }, e.decision.rawValue, e.decisionRule,
            String(e.latencyMicroseconds), String(e.bytesIn), String(e.bytesOut), e.sourceIPs.joined(separator: ";"),
            e.userAgent, e.sessionID, e.kubectlSession, e.kubectlCommand, e.requestURI,
        ]
        return fields.map { csvField($0 ?? "") }.joined(separator: ",")
    }

    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: JSON lines

    static func jsonLine(_ r: AuditRecord, _ j: inout JSONText) {
        let e = r.event
        j.beginObject()
        j.time("time", e.stageTimestamp)
        j.string("writer", r.writerID)
        j.number("seq", Int64(r.seq))
        j.uuid("auditID", e.auditID)
        j.string("kind", e.kind.rawValue)
        j.string("stage", e.stage.rawValue)
        j.string("level", e.level.rawValue)
        j.string("user", e.user.username)
        j.strings("groups", e.user.groups)
        j.string("impersonatedUser", e.impersonatedUser?.username)
        j.string("cluster", e.cluster)
        j.string("verb", e.verb)
        j.string("requestURI", e.requestURI)
        j.string("apiGroup", e.objectRef?.apiGroup)
        j.string("resource", e.objectRef?.resource)
        j.string("subresource", e.objectRef?.subresource)
        j.string("namespace", e.objectRef?.namespace)
        j.string("name", e.objectRef?.name)
        j.number("status", e.responseStatus.map { Int64($0.code) })
        j.string("decision", e.decision.rawValue)
        j.string("rule", e.decisionRule)
        j.string("authentication", e.authenticationMethod.rawValue)
        j.string("credential", e.credentialID)
        j.number("latencyMicroseconds", e.latencyMicroseconds)
        j.number("bytesIn", e.bytesIn)
        j.number("bytesOut", e.bytesOut)
        j.strings("sourceIPs", e.sourceIPs)
        j.string("userAgent", e.userAgent)
        j.string("session", e.sessionID)
        j.string("connection", e.connectionID)
        j.string("kubectlSession", e.kubectlSession)
        j.string("kubectlCommand", e.kubectlCommand)
        body(&j, "requestBody", e.requestBody)
        body(&j, "responseBody", e.responseBody)
        j.endObject()
    }

    /// A body as JSON when it is JSON, else as base64 with its content type.
    static func body(_ j: inout JSONText, _ key: String, _ payload: Payload?, asObjectOnly: Bool = false) {
        guard let payload else { return }
        if payload.contentType.hasPrefix("application/json"),
           let object = try? JSONSerialization.jsonObject(with: Data(payload.bytes), options: [.fragmentsAllowed]) {
            if payload.bytes.contains(0x0a) || payload.bytes.contains(0x0d) {
                // Pretty-printed JSON would break the one-event-a-line format: compact it.
                let compact = (try? JSONSerialization.data(withJSONObject: object, options: [.fragmentsAllowed])) ?? Data("null".utf8)
                j.raw(key, Array(compact))
            } else {
                j.raw(key, payload.bytes)
            }
        } else if !asObjectOnly {
            j.beginObject(key)
            j.string("contentType", payload.contentType)
            j.string("base64", Data(payload.bytes).base64EncodedString())
            j.endObject()
        }
    }

    // MARK: audit.k8s.io/v1

    static func k8sAuditLine(_ r: AuditRecord, _ j: inout JSONText) {
        let e = r.event
        j.beginObject()
        j.string("kind", "Event")
        j.string("apiVersion", "audit.k8s.io/v1")
        j.string("level", e.level.rawValue)
        j.uuid("auditID", e.auditID)
        j.string("stage", e.stage.rawValue)
        j.string("requestURI", e.requestURI)
        j.string("verb", e.verb)
        user(&j, "user", e.user)
        if let impersonated = e.impersonatedUser { user(&j, "impersonatedUser", impersonated) }
        j.strings("sourceIPs", e.sourceIPs)
        if let agent = e.userAgent { j.string("userAgent", agent) }
        if let ref = e.objectRef {
            j.beginObject("objectRef")
            if let value = ref.resource { j.string("resource", value) }
            if let value = ref.namespace { j.string("namespace", value) }
            if let value = ref.name { j.string("name", value) }
            if let value = ref.apiGroup { j.string("apiGroup", value) }
            if let value = ref.apiVersion { j.string("apiVersion", value) }
            if let value = ref.subresource { j.string("subresource", value) }
            j.endObject()
        }
        if let status = e.responseStatus {
            j.beginObject("responseStatus")
            j.beginObject("metadata")
            j.endObject()
            if let s = status.status { j.string("status", s) }
            if let s = status.message { j.string("message", s) }
            if let s = status.reason { j.string("reason", s) }
            j.number("code", Int64(status.code))
            j.endObject()
        }
        body(&j, "requestObject", e.requestBody, asObjectOnly: true)
        body(&j, "responseObject", e.responseBody, asObjectOnly: true)
        j.time("requestReceivedTimestamp", e.requestReceivedTimestamp)
        j.time("stageTimestamp", e.stageTimestamp)
        j.beginObject("annotations")
        if e.annotations.isEmpty {
            // The usual case: only Kubetrail's own annotations, already in key order.
            for (index, key) in Self.kubetrailAnnotationKeys.enumerated() {
                if let value = kubetrailAnnotation(index, r) { j.string(key, value) }
            }
        } else {
            var annotations = e.annotations
            for (index, key) in Self.kubetrailAnnotationKeys.enumerated() {
                if let value = kubetrailAnnotation(index, r) { annotations[key] = value }
            }
            for key in annotations.keys.sorted() { j.string(key, annotations[key]) }
        }
        j.endObject()
        j.endObject()
    }

    /// The annotations Kubetrail adds to each event, sorted as the output wants them.
    static let kubetrailAnnotationKeys = [
        "authorization.k8s.io/decision", "authorization.k8s.io/reason", "kubetrail.io/authentication", "kubetrail.io/cluster",
        "kubetrail.io/connection", "kubetrail.io/credential", "kubetrail.io/kind", "kubetrail.io/kubectl-command",
        "kubetrail.io/kubectl-session", "kubetrail.io/seq", "kubetrail.io/session", "kubetrail.io/writer",
    ]

    /// The value of `kubetrailAnnotationKeys[index]` for `r`, nil when the event has none.
    static func kubetrailAnnotation(_ index: Int, _ r: AuditRecord) -> String? {
        let e = r.event
        switch index {
        case 0: return e.decision == .allow ? "allow" : "forbid"
        case 1: return e.decisionRule
        case 2: return e.authenticationMethod.rawValue
        case 3: return e.cluster
        case 4: return e.connectionID
        case 5: return e.credentialID
        case 6: return e.kind.rawValue
        case 7: return e.kubectlCommand
        case 8: return e.kubectlSession
        case 9: return String(r.seq)
        case 10: return e.sessionID
        default: return r.writerID
        }
    }

    static func user(_ j: inout JSONText, _ key: String, _ user: UserInfo) {
        j.beginObject(key)
        j.string("username", user.username)
        if let uid = user.uid { j.string("uid", uid) }
        j.strings("groups", user.groups)
        if !user.extra.isEmpty {
            j.beginObject("extra")
            for k in user.extra.keys.sorted() { j.strings(k, user.extra[k]!) }
            j.endObject()
        }
        j.endObject()
    }
}
