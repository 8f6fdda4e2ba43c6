import Foundation

/// One `kubetrail.audit_events` row: the event's typed, indexed columns plus `extras`.
///
/// The row *is* the event: the typed columns hold every field that has one, and `extras`
/// (a small binary blob, see `AuditRowExtras`) holds the rest, so the canonical bytes can be
/// rebuilt from the row alone. That is how `verify` recomputes each hash, and why nothing is
/// stored twice and the metadata needs no compression on the write path.
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
    var extras: [UInt8]

    /// Column names in the order of the batch insert (the bodies follow).
    static let columns = [
        "writer_id", "seq", "event_time", "prev_hash", "hash", "audit_id", "kind", "stage", "level",
        "request_time", "verb", "request_uri", "username", "user_uid", "groups", "impersonated_user", "source_ips",
        "user_agent", "api_group", "api_version", "resource", "subresource", "namespace", "name", "status_code",
        "cluster", "authn_method", "credential_id", "decision", "decision_rule", "latency_us", "bytes_in",
        "bytes_out", "session_id", "connection_id", "kubectl_session", "kubectl_command", "extras",
        "request_body_type", "request_body", "response_body_type", "response_body",
    ]
}

extension AuditRow {
    init(writerID: String, seq: UInt64, event e: CanonicalEvent) {
        let event = e.event
        self.init(
            writerID: writerID, seq: Int64(seq), eventTime: event.stageTimestamp.microsecondsSince1970,
            auditID: event.auditID, kind: event.kind.rawValue, stage: event.stage.rawValue, level: event.level.rawValue,
            requestTime: event.requestReceivedTimestamp.microsecondsSince1970, verb: event.verb,
            requestURI: event.requestURI, username: event.user.username, userUID: event.user.uid,
            groups: event.user.groups, impersonatedUser: event.impersonatedUser?.username, sourceIPs: event.sourceIPs,
            userAgent: event.userAgent, apiGroup: event.objectRef?.apiGroup, apiVersion: event.objectRef?.apiVersion,
            resource: event.objectRef?.resource, subresource: event.objectRef?.subresource,
            namespace: event.objectRef?.namespace, name: event.objectRef?.name, statusCode: event.responseStatus?.code,
            cluster: event.cluster, authnMethod: event.authenticationMethod.rawValue, credentialID: event.credentialID,
            decision: event.decision.rawValue, decisionRule: event.decisionRule,
            latencyMicroseconds: event.latencyMicroseconds, bytesIn: event.bytesIn, bytesOut: event.bytesOut,
            sessionID: event.sessionID, connectionID: event.connectionID, kubectlSession: event.kubectlSession,
            kubectlCommand: event.kubectlCommand, requestBodyType: e.requestBody?.contentType,
            responseBodyType: e.responseBody?.contentType, extras: AuditRowExtras.encode(e))
    }

    /// The event the row stands for, rebuilt from its columns and extras.
    func event() throws -> CanonicalEvent {
        func decodeEnum<E: RawRepresentable>(_ raw: String, _: E.Type) throws -> E where E.RawValue == String {
            guard let value = E(rawValue: raw) else { throw CanonicalDecodingError("unknown \(E.self) '\(raw)' in a stored row") }
            return value
        }
        let extras = try AuditRowExtras.decode(self.extras)
        var event = AuditEvent(
            auditID: auditID, kind: try decodeEnum(kind, AuditEvent.Kind.self), stage: try decodeEnum(stage, AuditEvent.Stage.self),
            level: try decodeEnum(level, AuditEvent.Level.self), verb: verb, requestURI: requestURI,
            user: UserInfo(username: username, uid: userUID, groups: groups, extra: extras.userExtra),
            impersonatedUser: extras.impersonatedUser, sourceIPs: sourceIPs, userAgent: userAgent,
            requestReceivedTimestamp: Date(microsecondsSince1970: requestTime),
            stageTimestamp: Date(microsecondsSince1970: eventTime), annotations: extras.annotations, cluster: cluster,
            authenticationMethod: try decodeEnum(authnMethod, AuditEvent.AuthenticationMethod.self),
            credentialID: credentialID, decision: try decodeEnum(decision, AuditEvent.Decision.self),
            decisionRule: decisionRule, latencyMicroseconds: latencyMicroseconds, bytesIn: bytesIn, bytesOut: bytesOut,
            sessionID: sessionID, connectionID: connectionID, kubectlSession: kubectlSession, kubectlCommand: kubectlCommand)
        if extras.hasObjectRef {
            event.objectRef = ObjectReference(apiGroup: apiGroup, apiVersion: apiVersion, resource: resource, subresource: subresource, namespace: namespace, name: name)
        }
        if let statusCode {
            event.responseStatus = ResponseStatus(code: statusCode, status: extras.status, reason: extras.reason, message: extras.message)
        }
        if event.impersonatedUser?.username != impersonatedUser {
            throw CanonicalDecodingError("impersonated_user column disagrees with extras")
        }
        let request = try Self.digest(type: requestBodyType, extras.requestBody)
        let response = try Self.digest(type: responseBodyType, extras.responseBody)
        return CanonicalEvent(event: event, requestBody: request, responseBody: response)
    }

    private static func digest(type: String?, _ stored: (length: UInt64, sha256: [UInt8])?) throws -> PayloadDigest? {
        switch (type, stored) {
        case (nil, nil): return nil
        case (let type?, let stored?): return PayloadDigest(contentType: type, length: stored.length, sha256: stored.sha256)
        default: throw CanonicalDecodingError("body content type and digest disagree")
        }
    }

    /// The canonical chain record this row must hash to, were it at `seq`.
    func chainRecord(seq: UInt64) throws -> [UInt8] {
        let e = try event()
        let canonical = CanonicalEventEncoding.encode(e.event, requestBody: e.requestBody, responseBody: e.responseBody)
        return ChainRecord.bytes(writerID: writerID, seq: seq, canonicalEvent: canonical)
    }
}

/// The fields of an event that have no column of their own, in canonical primitives:
/// `u8 1 ‖ map<str,list<str>> user.extra ‖ opt<user> impersonated ‖ u8 objectRef present ‖
/// opt<str> status ‖ opt<str> reason ‖ opt<str> message ‖ map<str,str> annotations ‖
/// opt<u64 length ‖ sha256> request body ‖ opt<…> response body`.
enum AuditRowExtras {
    struct Fields {
        var userExtra: [String: [String]]
        var impersonatedUser: UserInfo?
        var hasObjectRef: Bool
        var status: String?
        var reason: String?
        var message: String?
        var annotations: [String: String]
        var requestBody: (length: UInt64, sha256: [UInt8])?
        var responseBody: (length: UInt64, sha256: [UInt8])?
    }

    static func encode(_ e: CanonicalEvent) -> [UInt8] {
        var w = CanonicalByteWriter(reservingCapacity: 32)
        w.write(UInt8(1))
        w.write(e.event.user.extra)
        if let user = e.event.impersonatedUser {
            w.write(UInt8(1))
            CanonicalEventEncoding.writeUser(user, into: &w)
        } else {
            w.write(UInt8(0))
        }
        w.write(UInt8(e.event.objectRef == nil ? 0 : 1))
        w.write(e.event.responseStatus?.status)
        w.write(e.event.responseStatus?.reason)
        w.write(e.event.responseStatus?.message)
        w.write(e.event.annotations)
        for digest in [e.requestBody, e.responseBody] {
            if let digest {
                w.write(UInt8(1))
                w.write(digest.length)
                w.write(bytes: digest.sha256)
            } else {
                w.write(UInt8(0))
            }
        }
        return w.bytes
    }

    static func decode(_ bytes: [UInt8]) throws -> Fields {
        var r = CanonicalByteReader(bytes)
        guard try r.readByte() == 1 else { throw CanonicalDecodingError("unknown extras version") }
        let extra = try r.readStringListMap()
        var impersonated: UserInfo?
        if try r.readPresence() {
            impersonated = try CanonicalEventEncoding.readUser(&r)
        }
        let hasObjectRef = try r.readPresence()
        let status = try r.readOptionalString()
        let reason = try r.readOptionalString()
        let message = try r.readOptionalString()
        let annotations = try r.readStringMap()
        // Two locals, not an array of two: this runs for every row a query reads.
        let request: (length: UInt64, sha256: [UInt8])? = try r.readPresence() ? (try r.read(UInt64.self), Array(try r.readBytes(32))) : nil
        let response: (length: UInt64, sha256: [UInt8])? = try r.readPresence() ? (try r.read(UInt64.self), Array(try r.readBytes(32))) : nil
        guard r.isAtEnd else { throw CanonicalDecodingError("trailing bytes in extras") }
        return Fields(userExtra: extra, impersonatedUser: impersonated, hasObjectRef: hasObjectRef, status: status, reason: reason, message: message, annotations: annotations, requestBody: request, responseBody: response)
    }
}
