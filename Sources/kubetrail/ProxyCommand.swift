import ArgumentParser
import Audit
import Foundation
import KubeAPI
import Logging
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
            Reads a YAML configuration (a complete, commented example is examples/kubetrail-proxy.yaml):
            listen address and TLS, client CAs and/or OIDC, the clusters behind the proxy with the
            proxy's own credentials for each, the policy (roles, deny rules, default deny) and the
            audit trail (database, spool directory, durability, on_audit_failure, levels).

            Clients use https://PROXY/clusters/<name> as their server URL (`kubetrail ca issue` writes
            such kubeconfigs). Every request is authenticated, authorized, recorded in the audit spool
            before it is forwarded (durably first with durability: strict), forwarded as the caller
            (Impersonate-User/Group, Audit-ID) with the proxy's own credentials, and recorded again when
            it completes. Events reach PostgreSQL from the spool; when the database is away they wait
            on disk. A bad configuration is refused at start, naming the file, the key and the problem.

              kubetrail proxy --config /etc/kubetrail/proxy.yaml
            """)

    @Option(help: "The proxy's YAML configuration file.")
    var config: String

    func run() async throws {
        let settings: ProxyConfiguration
        do {
            settings = try ProxyConfiguration.load(path: config)
        } catch {
            throw CommandFailure(description: error.description)
        }
        let logger = Logger(label: "kubetrail.proxy")
        let assembly = try await ProxyAssembly.make(settings, configPath: config, logger: logger)
        try await assembly.run()
    }
}
