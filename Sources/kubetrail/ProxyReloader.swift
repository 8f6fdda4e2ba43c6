import Foundation
import Logging
import Metrics
import Proxy
import ProxyConfiguration

/// Reloads the configuration, certificates and policy into the running proxy (SIGHUP, or a
/// change to a file the configuration names) without dropping a connection.
///
/// Open connections keep their TLS session and in-flight requests keep the clusters and policy
/// they started with; new connections and requests get the new ones. A configuration that does
/// not load is logged and the running one kept. The listen addresses and the audit trail's
/// database, spool, durability and record_stdin need a restart: a change to them is reported, not applied.
actor ProxyReloader {
    let configPath: String
    let server: ProxyServer
    let core: ProxyCore
    let logger: Logger
    private(set) var settings: ProxyConfiguration
    /// Numbers each configuration put in place; a connection's cached certificate caller is
    /// only reused under the generation that proved it.
    private(set) var generation: Int
    private var clusters: [(source: ClusterSource, cluster: UpstreamCluster)]

    init(configPath: String, settings: ProxyConfiguration, generation: Int, server: ProxyServer, core: ProxyCore,
         clusters: [UpstreamCluster], logger: Logger) {
        self.configPath = configPath
        self.settings = settings
        self.generation = generation
        self.server = server
        self.core = core
        self.logger = logger
        self.clusters = clusters.indices.map { (ProxyMaterial.source(settings, cluster: $0), clusters[$0]) }
    }

    var currentClusters: [UpstreamCluster] { clusters.map(\.cluster) }
    var watchedFiles: [String] { ProxyMaterial.watchedFiles(settings) }

    /// Loads and applies the configuration file; false (and the old configuration kept) when it
    /// cannot be loaded.
    @discardableResult
    func reload(because reason: String) async -> Bool {
        do {
            let next: ProxyConfiguration
            do { next = try ProxyConfiguration.load(path: configPath) } catch { throw CommandFailure(description: error.description) }
            let listener = try ProxyMaterial.listener(next, configPath: configPath)

            // Keep the pools whose settings and files did not change; make the others.
            var kept: [(source: ClusterSource, cluster: UpstreamCluster)] = []
            var made: [UpstreamCluster] = []
            do {
                for index in next.clusters.indices {
                    let source = ProxyMaterial.source(next, cluster: index)
                    if let running = clusters.first(where: { $0.source == source }) {
                        kept.append(running)
                    } else {
                        let cluster = try ProxyMaterial.cluster(next, index: index, configPath: configPath)
                        made.append(cluster)
                        kept.append((source, cluster))
                    }
                }
            } catch {
                for cluster in made { try? await cluster.shutdown() }
                throw error
            }
            let hooks: ProxyPolicyHooks
            do {
                hooks = try await ProxyHooksFactory.hooks(next, clientCAs: listener.clientCAs, configPath: configPath, generation: generation + 1)
                // The last step that can fail (a key that does not match its certificate): the new pools go with it.
                try server.replaceTLS(certificateChain: listener.certificateChain, privateKey: listener.privateKey, clientCAs: listener.clientCAs)
            } catch {
                for cluster in made { try? await cluster.shutdown() }
                throw error
            }
            core.replace(with: .init(clusters: kept.map(\.cluster), hooks: hooks, onAuditFailure: next.audit.onAuditFailure == .allow ? .allow : .deny,
                                        onRecordingFailure: next.audit.onRecordingFailure == .continue ? .continue : .close))

            let retired = clusters.filter { running in !kept.contains { $0.cluster === running.cluster } }.map(\.cluster)
            for cluster in retired { Task { await Self.retire(cluster) } }
            for cluster in made { Task { _ = await cluster.discoverVersion() } }
            for change in Self.restartOnlyChanges(from: settings, to: next) {
                logger.warning("this change needs a restart; the running value is kept", metadata: ["key": "\(change)", "config": "\(configPath)"])
            }
            clusters = kept
            settings = next
            generation += 1
            Counter(label: "proxy_config_reloads_total", dimensions: [("result", "ok")]).increment()
            logger.notice("configuration reloaded", metadata: [
                "reason": "\(reason)", "generation": "\(generation)", "clusters": "\(kept.map(\.cluster.name).joined(separator: ","))",
                "new_pools": "\(made.map(\.name).joined(separator: ","))", "retired_pools": "\(retired.map(\.name).joined(separator: ","))",
            ])
            return true
        } catch {
            Counter(label: "proxy_config_reloads_total", dimensions: [("result", "failed")]).increment()
            logger.error("configuration not reloaded; the running one is kept", metadata: ["reason": "\(reason)", "error": "\(error)"])
            return false
        }
    }

    /// Closes a replaced pool once no request is using it (a watch may run for a long time).
    static func retire(_ cluster: UpstreamCluster) async {
        while cluster.activeRequests > 0 { try? await Task.sleep(for: .seconds(1)) }
        try? await cluster.shutdown()
    }

    /// Keys whose new value only a restart applies.
    static func restartOnlyChanges(from old: ProxyConfiguration, to new: ProxyConfiguration) -> [String] {
        var changes: [String] = []
        if old.listen != new.listen { changes.append("listen") }
        if old.adminListen != new.adminListen { changes.append("admin_listen") }
        if old.audit.database != new.audit.database { changes.append("audit.database_url") }
        if old.audit.spoolDirectory != new.audit.spoolDirectory { changes.append("audit.spool_dir") }
        if old.audit.durability != new.audit.durability { changes.append("audit.durability") }
        if old.audit.recordStdin != new.audit.recordStdin { changes.append("audit.record_stdin") }
        return changes
    }
}
