import Foundation

/// One audit record: the fields of Kubernetes' `audit.k8s.io/v1` Event plus what an access proxy knows.
///
/// Every request, session boundary and recorded terminal chunk becomes one `AuditEvent`. The
/// hash chain covers its canonical encoding (`CanonicalEventEncoding`), so every field here is
/// tamper-evident once it has been recorded.
public struct AuditEvent: Sendable, Hashable {
    /// What the event describes.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case request
        case sessionStart = "session_start"
        case sessionChunk = "session_chunk"
        case sessionEnd = "session_end"
    }

    /// The Kubernetes audit stage.
    public enum Stage: String, Sendable, Hashable, CaseIterable {
        case requestReceived = "RequestReceived"
        case responseStarted = "ResponseStarted"
        case responseComplete = "ResponseComplete"
        case panic = "Panic"
    }

    /// The Kubernetes audit level: how much of the request was recorded.
    public enum Level: String, Sendable, Hashable, CaseIterable {
        case none = "None"
        case metadata = "Metadata"
        case request = "Request"
        case requestResponse = "RequestResponse"
    }

    /// How the caller proved who they are.
    public enum AuthenticationMethod: String, Sendable, Hashable, CaseIterable {
        case none
        case x509
        case oidc
    }

    /// What the proxy decided.
    public enum Decision: String, Sendable, Hashable, CaseIterable {
        case allow
        case deny
        /// Authentication failed: the caller was never identified.
        case unauthenticated
    }

    public var auditID: UUID
    public var kind: Kind
    public var stage: Stage
    public var level: Level
    public var verb: String
    public var requestURI: String
    public var user: UserInfo
    public var impersonatedUser: UserInfo?
    public var sourceIPs: [String]
    public var userAgent: String?
    public var objectRef: ObjectReference?
    public var responseStatus: ResponseStatus?
    public var requestReceivedTimestamp: Date
    public var stageTimestamp: Date
    public var annotations: [String: String]

    public var cluster: String
    public var authenticationMethod: AuthenticationMethod
    /// Certificate serial (hex) or token id (`jti`), when there is one.
    public var credentialID: String?
    public var decision: Decision
    /// The policy rule that decided, for allow and deny alike.
    public var decisionRule: String?
    /// Microseconds from request received to this stage.
    public var latencyMicroseconds: Int64
    public var bytesIn: Int64
    public var bytesOut: Int64
    /// The interactive session (exec, attach, port-forward) this event belongs to.
    public var sessionID: String?
    /// The client connection the request came over.
    public var connectionID: String?
    /// `Kubectl-Session`: one UUID per kubectl run.
    public var kubectlSession: String?
    /// `Kubectl-Command`, e.g. `kubectl get`.
    public var kubectlCommand: String?

    public var requestBody: Payload?
    public var responseBody: Payload?

    public init(
        auditID: UUID = .timeOrdered(),
        kind: Kind = .request,
        stage: Stage,
        level: Level = .metadata,
        verb: String,
        requestURI: String,
        user: UserInfo,
        impersonatedUser: UserInfo? = nil,
        sourceIPs: [String] = [],
        userAgent: String? = nil,
        objectRef: ObjectReference? = nil,
        responseStatus: ResponseStatus? = nil,
        requestReceivedTimestamp: Date,
        stageTimestamp: Date,
        annotations: [String: String] = [:],
        cluster: String,
        authenticationMethod: AuthenticationMethod = .none,
        credentialID: String? = nil,
        decision: Decision = .allow,
        decisionRule: String? = nil,
        latencyMicroseconds: Int64 = 0,
        bytesIn: Int64 = 0,
        bytesOut: Int64 = 0,
        sessionID: String? = nil,
        connectionID: String? = nil,
        kubectlSession: String? = nil,
        kubectlCommand: String? = nil,
        requestBody: Payload? = nil,
        responseBody: Payload? = nil
    ) {
        self.auditID = auditID
        self.kind = kind
        self.stage = stage
        self.level = level
        self.verb = verb
        self.requestURI = requestURI
        self.user = user
        self.impersonatedUser = impersonatedUser
        self.sourceIPs = sourceIPs
        self.userAgent = userAgent
        self.objectRef = objectRef
        self.responseStatus = responseStatus
        self.requestReceivedTimestamp = requestReceivedTimestamp.truncatedToMicroseconds
        self.stageTimestamp = stageTimestamp.truncatedToMicroseconds
        self.annotations = annotations
        self.cluster = cluster
        self.authenticationMethod = authenticationMethod
        self.credentialID = credentialID
        self.decision = decision
        self.decisionRule = decisionRule
        self.latencyMicroseconds = latencyMicroseconds
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.sessionID = sessionID
        self.connectionID = connectionID
        self.kubectlSession = kubectlSession
        self.kubectlCommand = kubectlCommand
        self.requestBody = requestBody
        self.responseBody = responseBody
    }
}

/// The identity a request acted as (`authentication.k8s.io/v1` UserInfo).
public struct UserInfo: Sendable, Hashable {
    public var username: String
    public var uid: String?
    public var groups: [String]
    public var extra: [String: [String]]

    public init(username: String, uid: String? = nil, groups: [String] = [], extra: [String: [String]] = [:]) {
        self.username = username
        self.uid = uid
        self.groups = groups
        self.extra = extra
    }
}

/// The object a request addressed (`audit.k8s.io/v1` ObjectReference).
public struct ObjectReference: Sendable, Hashable {
    public var apiGroup: String?
    public var apiVersion: String?
    public var resource: String?
    public var subresource: String?
    public var namespace: String?
    public var name: String?

    public init(
        apiGroup: String? = nil, apiVersion: String? = nil, resource: String? = nil,
        subresource: String? = nil, namespace: String? = nil, name: String? = nil
    ) {
        self.apiGroup = apiGroup
        self.apiVersion = apiVersion
        self.resource = resource
        self.subresource = subresource
        self.namespace = namespace
        self.name = name
    }
}

/// The answer's status (`meta/v1` Status, as far as audit keeps it).
public struct ResponseStatus: Sendable, Hashable {
    public var code: Int32
    public var status: String?
    public var reason: String?
    public var message: String?

    public init(code: Int32, status: String? = nil, reason: String? = nil, message: String? = nil) {
        self.code = code
        self.status = status
        self.reason = reason
        self.message = message
    }
}

/// A request or response body as it was on the wire, with its content type.
///
/// Kept whole here; the store compresses it into its own column. The chain covers its
/// SHA-256, so a stored body cannot be swapped without `verify` noticing.
public struct Payload: Sendable, Hashable {
    public var contentType: String
    public var bytes: [UInt8]

    public init(contentType: String, bytes: [UInt8]) {
        self.contentType = contentType
        self.bytes = bytes
    }
}

extension Date {
    /// Microseconds since 1970, the resolution of PostgreSQL's timestamptz and of the chain.
    public var microsecondsSince1970: Int64 {
        Int64((self.timeIntervalSince1970 * 1_000_000).rounded())
    }

    public init(microsecondsSince1970 us: Int64) {
        self.init(timeIntervalSince1970: Double(us) / 1_000_000)
    }

    var truncatedToMicroseconds: Date {
        Date(microsecondsSince1970: self.microsecondsSince1970)
    }
}

extension UUID {
    /// A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits.
    ///
    /// Audit ids are indexed; time-ordered ids land at the right edge of the index instead of
    /// on a random page, which keeps inserts cheap at volume.
    public static func timeOrdered<R: RandomNumberGenerator>(at date: Date = Date(), using rng: inout R) -> UUID {
        let ms = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        let a = rng.next() as UInt64
        let b = rng.next() as UInt64
        return UUID(uuid: (
            UInt8(truncatingIfNeeded: ms >> 40), UInt8(truncatingIfNeeded: ms >> 32), UInt8(truncatingIfNeeded: ms >> 24),
            UInt8(truncatingIfNeeded: ms >> 16), UInt8(truncatingIfNeeded: ms >> 8), UInt8(truncatingIfNeeded: ms),
            0x70 | UInt8(truncatingIfNeeded: a) & 0x0f, UInt8(truncatingIfNeeded: a >> 8),
            0x80 | UInt8(truncatingIfNeeded: a >> 16) & 0x3f, UInt8(truncatingIfNeeded: a >> 24),
            UInt8(truncatingIfNeeded: b), UInt8(truncatingIfNeeded: b >> 8), UInt8(truncatingIfNeeded: b >> 16),
            UInt8(truncatingIfNeeded: b >> 24), UInt8(truncatingIfNeeded: b >> 32), UInt8(truncatingIfNeeded: b >> 40)))
    }

    /// A UUIDv7 from the system's random source.
    public static func timeOrdered(at date: Date = Date()) -> UUID {
        var rng = SystemRandomNumberGenerator()
        return timeOrdered(at: date, using: &rng)
    }
}
