import Crypto
import Foundation

/// The digest of a body that the chain covers instead of the body itself.
public struct PayloadDigest: Sendable, Hashable {
    public var contentType: String
    public var length: UInt64
    public var sha256: [UInt8]

    public init(contentType: String, length: UInt64, sha256: [UInt8]) {
        self.contentType = contentType
        self.length = length
        self.sha256 = sha256
    }

    public init(_ payload: Payload) {
        self.init(
            contentType: payload.contentType,
            length: UInt64(payload.bytes.count),
            sha256: Array(SHA256.hash(data: payload.bytes))
        )
    }
}

/// An event read back from its canonical bytes: every field but the bodies, whose digests stand in.
public struct CanonicalEvent: Sendable, Hashable {
    public var event: AuditEvent
    public var requestBody: PayloadDigest?
    public var responseBody: PayloadDigest?
}

/// The canonical byte encoding of an `AuditEvent`: the input of the hash chain.
///
/// Fixed field order, big-endian integers, length-prefixed UTF-8, maps sorted by key bytes,
/// timestamps in microseconds. The first byte is the format version; a version, once shipped,
/// never changes meaning. The full specification is docs/canonical-encoding.md.
public enum CanonicalEventEncoding {
    public static let currentVersion: UInt8 = 1

    public static func encode(_ event: AuditEvent) -> [UInt8] {
        encode(event, requestBody: event.requestBody.map(PayloadDigest.init), responseBody: event.responseBody.map(PayloadDigest.init))
    }

    /// Encodes an event whose bodies are known only by their digests (as when rebuilt from a stored row).
    public static func encode(_ event: AuditEvent, requestBody: PayloadDigest?, responseBody: PayloadDigest?) -> [UInt8] {
        var w = CanonicalByteWriter(reservingCapacity: 384)
        w.write(currentVersion)
        withUnsafeBytes(of: event.auditID.uuid) { w.write(bytes: $0) }
        w.write(event.kind.rawValue)
        w.write(event.stage.rawValue)
        w.write(event.level.rawValue)
        w.write(event.verb)
        w.write(event.requestURI)
        writeUser(event.user, into: &w)
        if let impersonated = event.impersonatedUser {
            w.write(UInt8(1))
            writeUser(impersonated, into: &w)
        } else {
            w.write(UInt8(0))
        }
        w.write(event.sourceIPs)
        w.write(event.userAgent)
        if let ref = event.objectRef {
            w.write(UInt8(1))
            w.write(ref.apiGroup)
            w.write(ref.apiVersion)
            w.write(ref.resource)
            w.write(ref.subresource)
            w.write(ref.namespace)
            w.write(ref.name)
        } else {
            w.write(UInt8(0))
        }
        if let status = event.responseStatus {
            w.write(UInt8(1))
            w.write(status.code)
            w.write(status.status)
            w.write(status.reason)
            w.write(status.message)
        } else {
            w.write(UInt8(0))
        }
        w.write(event.requestReceivedTimestamp.microsecondsSince1970)
        w.write(event.stageTimestamp.microsecondsSince1970)
        w.write(event.annotations)
        w.write(event.cluster)
        w.write(event.authenticationMethod.rawValue)
        w.write(event.credentialID)
        w.write(event.decision.rawValue)
        w.write(event.decisionRule)
        w.write(event.latencyMicroseconds)
        w.write(event.bytesIn)
        w.write(event.bytesOut)
        w.write(event.sessionID)
        w.write(event.connectionID)
        w.write(event.kubectlSession)
        w.write(event.kubectlCommand)
        writeDigest(requestBody, into: &w)
        writeDigest(responseBody, into: &w)
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws -> CanonicalEvent {
        var r = CanonicalByteReader(bytes)
        let version = try r.readByte()
        guard version == 1 else { throw CanonicalDecodingError("unknown canonical version \(version)") }
        let uuidBytes = Array(try r.readBytes(16))
        let auditID = UUID(uuid: (
            uuidBytes[0], uuidBytes[1], uuidBytes[2], uuidBytes[3], uuidBytes[4], uuidBytes[5],
            uuidBytes[6], uuidBytes[7], uuidBytes[8], uuidBytes[9], uuidBytes[10], uuidBytes[11],
            uuidBytes[12], uuidBytes[13], uuidBytes[14], uuidBytes[15]))
        let kind = try decodeEnum(AuditEvent.Kind.self, &r)
        let stage = try decodeEnum(AuditEvent.Stage.self, &r)
        let level = try decodeEnum(AuditEvent.Level.self, &r)
        let verb = try r.readString()
        let requestURI = try r.readString()
        let user = try readUser(&r)
        let impersonated = try r.readPresence() ? try readUser(&r) : nil
        let sourceIPs = try r.readStrings()
        let userAgent = try r.readOptionalString()
        var objectRef: ObjectReference?
        if try r.readPresence() {
            objectRef = ObjectReference(
                apiGroup: try r.readOptionalString(), apiVersion: try r.readOptionalString(),
                resource: try r.readOptionalString(), subresource: try r.readOptionalString(),
                namespace: try r.readOptionalString(), name: try r.readOptionalString())
        }
        var responseStatus: ResponseStatus?
        if try r.readPresence() {
            responseStatus = ResponseStatus(
                code: try r.read(Int32.self), status: try r.readOptionalString(),
                reason: try r.readOptionalString(), message: try r.readOptionalString())
        }
        let received = Date(microsecondsSince1970: try r.read(Int64.self))
        let stageTime = Date(microsecondsSince1970: try r.read(Int64.self))
        let annotations = try r.readStringMap()
        let cluster = try r.readString()
        let method = try decodeEnum(AuditEvent.AuthenticationMethod.self, &r)
        let credentialID = try r.readOptionalString()
        let decision = try decodeEnum(AuditEvent.Decision.self, &r)
        let decisionRule = try r.readOptionalString()
        let latency = try r.read(Int64.self)
        let bytesIn = try r.read(Int64.self)
        let bytesOut = try r.read(Int64.self)
        let sessionID = try r.readOptionalString()
        let connectionID = try r.readOptionalString()
        let kubectlSession = try r.readOptionalString()
        let kubectlCommand = try r.readOptionalString()
        let requestDigest = try readDigest(&r)
        let responseDigest = try readDigest(&r)
        guard r.isAtEnd else { throw CanonicalDecodingError("trailing bytes after byte \(r.offset)") }
        let event = AuditEvent(
            auditID: auditID, kind: kind, stage: stage, level: level, verb: verb, requestURI: requestURI,
            user: user, impersonatedUser: impersonated, sourceIPs: sourceIPs, userAgent: userAgent,
            objectRef: objectRef, responseStatus: responseStatus, requestReceivedTimestamp: received,
            stageTimestamp: stageTime, annotations: annotations, cluster: cluster,
            authenticationMethod: method, credentialID: credentialID, decision: decision,
            decisionRule: decisionRule, latencyMicroseconds: latency, bytesIn: bytesIn, bytesOut: bytesOut,
            sessionID: sessionID, connectionID: connectionID, kubectlSession: kubectlSession,
            kubectlCommand: kubectlCommand)
        return CanonicalEvent(event: event, requestBody: requestDigest, responseBody: responseDigest)
    }

    static func writeUser(_ user: UserInfo, into w: inout CanonicalByteWriter) {
        w.write(user.username)
        w.write(user.uid)
        w.write(user.groups)
        w.write(user.extra)
    }

    static func readUser(_ r: inout CanonicalByteReader) throws -> UserInfo {
        UserInfo(
            username: try r.readString(), uid: try r.readOptionalString(),
            groups: try r.readStrings(), extra: try r.readStringListMap())
    }

    private static func writeDigest(_ digest: PayloadDigest?, into w: inout CanonicalByteWriter) {
        guard let digest else { return w.write(UInt8(0)) }
        w.write(UInt8(1))
        w.write(digest.contentType)
        w.write(digest.length)
        w.write(bytes: digest.sha256)
    }

    private static func readDigest(_ r: inout CanonicalByteReader) throws -> PayloadDigest? {
        guard try r.readPresence() else { return nil }
        return PayloadDigest(
            contentType: try r.readString(), length: try r.read(UInt64.self), sha256: Array(try r.readBytes(32)))
    }

    private static func decodeEnum<E: RawRepresentable>(_: E.Type, _ r: inout CanonicalByteReader) throws -> E
    where E.RawValue == String {
        let raw = try r.readString()
        guard let value = E(rawValue: raw) else { throw CanonicalDecodingError("unknown \(E.self) '\(raw)'") }
        return value
    }
}
