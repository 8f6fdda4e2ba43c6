import Metrics

/// The proxy's metrics, reported through swift-metrics (the daemon exports them as Prometheus
/// text on the admin listener's `/metrics`).
///
/// Handles are made at the point of use, not kept in statics: swift-metrics objects made before
/// the daemon bootstraps its backend would stay no-ops for the life of the process.
public enum ProxyMetrics {
    public static let requestDuration = "proxy_request_duration_seconds"
    public static let requestsInFlight = "proxy_requests_in_flight"
    public static let identityValidation = "proxy_identity_validation_seconds"
    public static let authenticationFailures = "proxy_authentication_failures_total"
    public static let authorizationDenials = "proxy_authorization_denials_total"
    public static let auditRecordFailures = "proxy_audit_record_failures_total"
    public static let poolHits = "proxy_connection_pool_hits_total"
    public static let poolMisses = "proxy_connection_pool_misses_total"
    public static let poolActiveConnections = "proxy_pool_active_connections"
    public static let upstreamConnect = "proxy_upstream_connect_seconds"
    public static let upstreamTLSHandshake = "proxy_upstream_tls_handshake_seconds"
    public static let upstreamPoolConnect = "proxy_upstream_pool_connect_seconds"
    public static let upgradedSessions = "proxy_upgraded_sessions_active"

    /// One finished request: its latency by cluster, the cluster's version, verb and status code.
    static func requestCompleted(cluster: String, clusterVersion: String, verb: String, code: Int, duration: Duration) {
        Timer(label: requestDuration, dimensions: [
            ("cluster", cluster), ("cluster_version", clusterVersion), ("verb", verb), ("code", String(code)),
        ]).recordNanoseconds(duration.nanoseconds)
    }

    static func inFlight() -> Meter { Meter(label: requestsInFlight) }

    /// How long authenticating a request took (a cached certificate caller is the fast path).
    static func identityValidated(method: String, succeeded: Bool, duration: Duration) {
        Timer(label: identityValidation, dimensions: [("method", method), ("result", succeeded ? "ok" : "refused")])
            .recordNanoseconds(duration.nanoseconds)
    }

    /// `reason` is a short class (certificate, bearer, missing), never the caller's input.
    static func authenticationFailed(reason: String) {
        Counter(label: authenticationFailures, dimensions: [("reason", reason)]).increment()
    }

    /// `rule` is the deciding rule's name from the configuration, so its values are bounded.
    static func denied(cluster: String, rule: String) {
        Counter(label: authorizationDenials, dimensions: [("cluster", cluster), ("rule", rule)]).increment()
    }

    static func auditRecordFailed() { Counter(label: auditRecordFailures).increment() }

    static func pooled(cluster: String, reused: Bool) {
        Counter(label: reused ? poolHits : poolMisses, dimensions: [("cluster", cluster)]).increment()
    }

    static func activeConnections(cluster: String) -> Meter {
        Meter(label: poolActiveConnections, dimensions: [("cluster", cluster)])
    }

    static func poolConnected(cluster: String, setup: Duration) {
        Timer(label: upstreamPoolConnect, dimensions: [("cluster", cluster)]).recordNanoseconds(setup.nanoseconds)
    }

    static func upstreamConnected(cluster: String, connect: Duration, tlsHandshake: Duration) {
        Timer(label: upstreamConnect, dimensions: [("cluster", cluster)]).recordNanoseconds(connect.nanoseconds)
        Timer(label: upstreamTLSHandshake, dimensions: [("cluster", cluster)]).recordNanoseconds(tlsHandshake.nanoseconds)
    }

    static func upgradedSessionsActive(cluster: String) -> Meter {
        Meter(label: upgradedSessions, dimensions: [("cluster", cluster)])
    }
}

extension Duration {
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
