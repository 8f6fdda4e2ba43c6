import ArgumentParser
import Audit
import Foundation
import KubeAPI
import Logging
import Metrics
import Prometheus
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Proxy
import ProxyConfiguration

/// `kubetrail proxy --config FILE`: the daemon.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Run the identity-aware, audited Kubernetes access proxy.",
        discussion: """
            Reads a YAML configuration (a complete, commented example is examples/kubetrail-proxy.yaml): \
            listen address and TLS, client CAs and/or OIDC, the clusters behind the proxy with the \
            proxy's own credentials for each, the policy (roles, deny rules, default deny) and the \
            audit trail (database, spool directory, durability, on_audit_failure, levels).

            Clients use https://PROXY/clusters/<name> as their server URL (`kubetrail ca issue` writes \
            such kubeconfigs). Every request is authenticated, authorized, recorded in the audit spool \
            before it is forwarded (durably first with durability: strict), forwarded as the caller \
            (Impersonate-User/Group, Audit-ID) with the proxy's own credentials, and recorded again when \
            it completes. Events reach PostgreSQL from the spool; when the database is away they wait \
            on disk. A bad configuration is refused at start, naming the file, the key and the problem.

            The admin listener (admin_listen, default 127.0.0.1:9443, plain HTTP) serves /metrics \
            (Prometheus), /healthz and /readyz (ready only while the audit spool is writable and its \
            file system has room). Logs are JSON lines on stderr unless --log-format text.

            SIGHUP, or a change to any certificate, key, CA or JWKS file the configuration names, \
            reloads the configuration, certificates and policy without dropping connections; a bad \
            new configuration is logged and the running one kept. SIGTERM or SIGINT stops accepting, \
            lets requests finish their audit events, and flushes the spool.

              kubetrail proxy --config /etc/kubetrail/proxy.yaml
            """)

    @Option(help: "The proxy's YAML configuration file.")
    var config: String

    @Option(help: "Log lines as json (one object per line, for log shippers) or text (for a terminal).")
    var logFormat: LogFormat = .json

    @Option(help: "The least severe log level written: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    enum LogFormat: String, ExpressibleByArgument, CaseIterable { case json, text }

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level \(logLevel): use one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        let settings: ProxyConfiguration
        do {
            settings = try ProxyConfiguration.load(path: config)
        } catch {
            throw CommandFailure(description: error.description)
        }
        let level = Logger.Level(rawValue: logLevel) ?? .info
        switch logFormat {
        case .json: LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: level) }
        case .text: LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        }
        // Metrics before anything that makes a metric: handles made earlier stay no-ops.
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
            .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        MetricsSystem.bootstrap(factory)

        let logger = Logger(label: "kubetrail.proxy")
        let assembly = try await ProxyAssembly.make(settings, configPath: config, logger: logger)
        try await assembly.run(metrics: registry)
    }
}
