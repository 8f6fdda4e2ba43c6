import Audit
import Foundation
import Synchronization
import KubeAPI

/// Who a request comes from, as an authenticator established it.
public struct AuthenticatedCaller: Sendable, Equatable {
    public var user: String
    /// Always includes `system:authenticated`.
    public var groups: [String]
    public var method: AuditEvent.AuthenticationMethod
    /// Certificate serial or token id: never the credential itself.
    public var credentialID: String?

    public init(user: String, groups: [String], method: AuditEvent.AuthenticationMethod, credentialID: String?) {
        self.user = user
        self.groups = groups.contains("system:authenticated") ? groups : groups + ["system:authenticated"]
        self.method = method
        self.credentialID = credentialID
    }

    public var userInfo: UserInfo { UserInfo(username: user, groups: groups) }
}

/// What the connection knows about the client before any request: its certificate, its address.
public struct ConnectionFacts: Sendable {
    /// The DER-encoded certificate chain the client presented (leaf first), already verified by TLS.
    public var peerCertificateChain: [[UInt8]]
    public var remoteAddress: String
    public var connectionID: String
    /// What the connection's certificate proved, so its chain is verified once per connection.
    public let identityCache = ConnectionIdentityCache()

    public init(peerCertificateChain: [[UInt8]], remoteAddress: String, connectionID: String) {
        self.peerCertificateChain = peerCertificateChain
        self.remoteAddress = remoteAddress
        self.connectionID = connectionID
    }
}

/// The caller a connection's certificate authenticated, until the certificate expires or the
/// configuration is reloaded.
///
/// A mutex: the requests of one HTTP/2 connection run on concurrent tasks; it is held only to
/// read or replace one value.
public final class ConnectionIdentityCache: Sendable {
    private let entry = Mutex<(caller: AuthenticatedCaller, validUntil: Date, generation: Int)?>(nil)

    public init() {}

    /// The cached caller, if one is cached, still valid at `now`, and was proved under the same
    /// configuration `generation` (a reload may have removed its CA or revoked its serial).
    public func caller(at now: Date, generation: Int) -> AuthenticatedCaller? {
        entry.withLock { entry in
            guard let entry, now < entry.validUntil, entry.generation == generation else { return nil }
            return entry.caller
        }
    }

    public func remember(_ caller: AuthenticatedCaller, validUntil: Date, generation: Int) {
        entry.withLock { $0 = (caller, validUntil, generation) }
    }
}

/// A policy's answer, naming the rule that decided.
public struct AccessDecision: Sendable, Equatable {
    public var allowed: Bool
    public var rule: String
    public var reason: String

    public init(allowed: Bool, rule: String, reason: String) {
        self.allowed = allowed
        self.rule = rule
        self.reason = reason
    }
}

/// What a client asked to impersonate with `Impersonate-*` headers (`kubectl --as`).
public struct ImpersonationRequest: Sendable, Equatable {
    public var user: String
    public var groups: [String]

    public init(user: String, groups: [String]) {
        self.user = user
        self.groups = groups
    }
}

/// The pieces the proxy core is assembled from, each a separate module: authentication,
/// policy, audit levels, and the headers sent upstream. The daemon wires real ones; tests may
/// wire small ones.
public struct ProxyPolicyHooks: Sendable {
    /// Authenticates a request from its connection and headers; a refusal's text is for the log.
    public var authenticate: @Sendable (ConnectionFacts, [(String, String)]) async -> Result<AuthenticatedCaller, AuthenticationRefusal>
    /// Decides whether the caller may make this request to this cluster.
    public var authorize: @Sendable (AuthenticatedCaller, String, RequestInfo) -> AccessDecision
    /// Reads client `Impersonate-*` headers: nil when there are none, a refusal when malformed.
    public var impersonation: @Sendable ([(String, String)]) -> Result<ImpersonationRequest?, AuthenticationRefusal>
    /// Decides whether the caller may impersonate as asked on this cluster.
    public var mayImpersonate: @Sendable (AuthenticatedCaller, String, ImpersonationRequest) -> AccessDecision
    /// How a request is audited: its level (None, Metadata, Request, RequestResponse) and the stages omitted.
    public var auditLevel: @Sendable (AuthenticatedCaller, String, RequestInfo) -> RequestAuditLevel

    public init(
        authenticate: @escaping @Sendable (ConnectionFacts, [(String, String)]) async -> Result<AuthenticatedCaller, AuthenticationRefusal>,
        authorize: @escaping @Sendable (AuthenticatedCaller, String, RequestInfo) -> AccessDecision,
        impersonation: @escaping @Sendable ([(String, String)]) -> Result<ImpersonationRequest?, AuthenticationRefusal>,
        mayImpersonate: @escaping @Sendable (AuthenticatedCaller, String, ImpersonationRequest) -> AccessDecision,
        auditLevel: @escaping @Sendable (AuthenticatedCaller, String, RequestInfo) -> RequestAuditLevel
    ) {
        self.authenticate = authenticate
        self.authorize = authorize
        self.impersonation = impersonation
        self.mayImpersonate = mayImpersonate
        self.auditLevel = auditLevel
    }
}

/// How much of one request the trail keeps, as the audit policy decided it.
///
/// Omitted stages apply to the request's own events only: a refusal (401, 403, 400) is always one
/// complete event, whatever the policy says. Omitting `RequestReceived` gives up audit-before-access
/// for the request: it is forwarded without an event on disk, and recorded only as it completes.
public struct RequestAuditLevel: Sendable, Equatable {
    public var level: AuditEvent.Level
    /// Stages for which no event is written.
    public var omitStages: Set<AuditEvent.Stage>

    public init(level: AuditEvent.Level, omitStages: Set<AuditEvent.Stage> = []) {
        self.level = level
        self.omitStages = omitStages
    }
}

/// Why a caller was not authenticated (for the audit event and the log, not for the client).
public struct AuthenticationRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    /// A short, fixed class of the failure for metrics (`certificate`, `bearer`, `missing`…):
    /// never text the caller chose.
    public var kind: String
    public init(_ reason: String, kind: String = "other") {
        self.reason = reason
        self.kind = kind
    }
    public var description: String { reason }
}
