/// A file named in the configuration: as written, and resolved against the config file's directory.
public struct ConfigPath: Sendable, Equatable, CustomStringConvertible {
    /// The path exactly as written in the file (for messages).
    public var given: String
    /// Absolute when the config file's directory is known; relative paths are joined to it.
    public var resolved: String

    public init(given: String, resolved: String) {
        self.given = given
        self.resolved = resolved
    }

    public var description: String { given }
}

/// A `host:port` to listen on. IPv6 hosts are written in brackets: `[::1]:8443`.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The proxy's own TLS server identity and the CAs whose client certificates it accepts.
public struct TLSSettings: Sendable, Equatable {
    public var certificateFile: ConfigPath
    public var keyFile: ConfigPath
    /// Client certificates signed by one of these authenticate users (CN = user, O = groups).
    /// Empty: x509 client authentication is off.
    public var clientCAFiles: [ConfigPath]
}

/// Where OIDC signing keys come from.
public enum JWKSSource: Sendable, Equatable {
    case file(ConfigPath)
    case url(String)
}

/// Bearer-token (OIDC JWT) authentication.
public struct OIDCSettings: Sendable, Equatable {
    /// Must equal the token's `iss` exactly.
    public var issuer: String
    /// Must appear in the token's `aud`.
    public var audience: String
    public var jwks: JWKSSource
    /// CA certificates (PEM) that sign the `jwks_url` server's certificate; nil: the system roots.
    public var jwksCAFile: ConfigPath?
    /// The shortest time between two JWKS reads prompted by tokens with unknown key ids (default 30s).
    public var jwksRefreshInterval: Duration
    /// Claim holding the user name (default `sub`).
    public var usernameClaim: String
    /// Claim holding the groups, a string list (default `groups`).
    public var groupsClaim: String
    /// Prepended to the user name (e.g. `oidc:`), so token users cannot collide with certificate users.
    public var usernamePrefix: String
    public var groupsPrefix: String
    /// JWS `alg` values accepted (default `RS256`); `none` and HMAC algorithms are refused at load.
    public var allowedAlgorithms: [String]
}

/// How the proxy authenticates itself to an upstream cluster.
public enum UpstreamCredentials: Sendable, Equatable {
    case clientCertificate(certificate: ConfigPath, key: ConfigPath)
    case tokenFile(ConfigPath)
    /// The bearer token is in this environment variable (read by the proxy at start).
    case tokenEnvironment(String)
}

/// One upstream Kubernetes API server, reachable at `/clusters/<name>/…` on the proxy.
public struct ClusterSettings: Sendable, Equatable {
    /// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters, unique.
    public var name: String
    /// An `https://` URL (host, optional port and path; no query, fragment or user info).
    public var server: String
    /// CA bundle that signs the upstream's serving certificate; nil: the system roots.
    public var caFile: ConfigPath?
    public var credentials: UpstreamCredentials
    /// Overrides SNI / certificate host name checking, for servers reached by IP.
    public var tlsServerName: String?
}

/// When a request must be on disk before it may proceed.
public enum AuditDurability: String, Sendable, Equatable, CaseIterable {
    /// Forward only after the RequestReceived event is fsync'd; finish only after the completion event is.
    case strict
    /// fsync on a short timer.
    case batched
}

/// What happens to an exec, attach or port-forward session that cannot be recorded.
public enum RecordingFailurePolicy: String, Sendable, Equatable, CaseIterable {
    /// The session ends when what flows in it cannot be recorded. The default.
    case close
    /// The session goes on; its end event says what was not recorded.
    case `continue`
}

/// What happens when the audit spool cannot take an event.
public enum AuditFailurePolicy: String, Sendable, Equatable, CaseIterable {
    /// Fail closed: HTTP 503 with a Kubernetes Status body. The default.
    case deny
    /// Serve the request unaudited.
    case allow
}

/// Where the PostgreSQL URL comes from.
public enum DatabaseURLSource: Sendable, Equatable {
    case literal(String)
    /// Name of an environment variable holding the URL (keeps the password out of the file).
    case environment(String)

    /// The URL, reading the environment when needed; nil when the variable is unset or empty.
    public func resolve(environment: [String: String]) -> String? {
        switch self {
        case .literal(let url): return url
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
    }
}

/// The audit pipeline: spool, database, durability, and which level each request is recorded at.
public struct AuditSettings: Sendable, Equatable {
    public var database: DatabaseURLSource
    public var spoolDirectory: ConfigPath
    public var durability: AuditDurability
    public var onAuditFailure: AuditFailurePolicy
    public var levels: AuditLevelPolicy
    /// Whether what the client sends into exec and attach sessions is recorded (default true):
    /// without a terminal it is the only record of what was typed.
    public var recordStdin: Bool = true
    /// What happens to an exec, attach or port-forward session whose recording fails.
    public var onRecordingFailure: RecordingFailurePolicy = .close
}

/// Keep-alive connection pool towards the upstream clusters.
public struct UpstreamPoolSettings: Sendable, Equatable {
    public var maxIdleConnections: Int
    public var maxIdleConnectionsPerHost: Int
    public var idleTimeout: Duration

    public init(maxIdleConnections: Int = 100, maxIdleConnectionsPerHost: Int = 10, idleTimeout: Duration = .seconds(90)) {
        self.maxIdleConnections = maxIdleConnections
        self.maxIdleConnectionsPerHost = maxIdleConnectionsPerHost
        self.idleTimeout = idleTimeout
    }
}
