import Audit
import Foundation
import KubeAPI
import Logging
import NIOCore
import PostgresNIO
import Prometheus
import Proxy
import ProxyConfiguration

/// The proxy daemon put together from its configuration: TLS, clusters, policy, audit pipeline,
/// shipper, listener and admin listener; and how it runs, reloads (SIGHUP, changed certificate
/// files) and stops (SIGTERM/SIGINT: drain and flush).
struct ProxyAssembly {
    let settings: ProxyConfiguration
    let server: ProxyServer
    let pipeline: AuditPipeline
    let postgres: PostgresClient
    let shipper: AuditShipper
    let reloader: ProxyReloader
    let logger: Logger
    /// How often the files the configuration names are checked for changes.
    static let fileCheckInterval: Duration = .seconds(2)

    static func make(_ settings: ProxyConfiguration, configPath: String, logger: Logger) async throws -> ProxyAssembly {
        let listener = try ProxyMaterial.listener(settings, configPath: configPath)
        var clusters: [UpstreamCluster] = []
        do {
            for index in settings.clusters.indices {
                clusters.append(try ProxyMaterial.cluster(settings, index: index, configPath: configPath))
            }
            guard let urlText = settings.audit.database.resolve(environment: ProcessInfo.processInfo.environment) else {
                throw CommandFailure(description: "\(configPath): audit.database_url_env: the environment variable is not set")
            }
            let databaseURL: DatabaseURL
            do { databaseURL = try DatabaseURL(urlText) } catch { throw CommandFailure(description: "\(configPath): audit.database_url: \(error)") }
            let spool = settings.audit.spoolDirectory.resolved
            try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
            let identity = try WriterIdentity.loadOrCreate(in: spool)
            let durability: AuditPipelineConfiguration.Durability = settings.audit.durability == .strict ? .strict : .batched(syncInterval: .milliseconds(50))
            let pipeline = try AuditPipeline(configuration: .init(spoolDirectory: spool, durability: durability), identity: identity, logger: logger)
            let postgres = PostgresClient(configuration: databaseURL.clientConfiguration(), backgroundLogger: DatabaseURL.quietLogger)
            let shipper = try AuditShipper(pipeline: pipeline, store: AuditStore(client: postgres, logger: logger), logger: logger)

            let hooks = try await ProxyHooksFactory.hooks(settings, clientCAs: listener.clientCAs, configPath: configPath, generation: 1)
            let core = ProxyCore(
                clusters: clusters, hooks: hooks,
                pipeline: pipeline, onAuditFailure: settings.audit.onAuditFailure == .allow ? .allow : .deny,
                onRecordingFailure: settings.audit.onRecordingFailure == .continue ? .continue : .close,
                recordStdin: settings.audit.recordStdin, logger: logger)
            let server = try ProxyServer(core: core, certificateChain: listener.certificateChain, privateKey: listener.privateKey,
                                         clientCAs: listener.clientCAs)
            let reloader = ProxyReloader(configPath: configPath, settings: settings, generation: 1, server: server, core: core,
                                         clusters: clusters, logger: logger)
            return ProxyAssembly(settings: settings, server: server, pipeline: pipeline, postgres: postgres, shipper: shipper,
                                 reloader: reloader, logger: logger)
        } catch {
            // An HTTP client may not be dropped open: close the pools made so far, then say what failed.
            for cluster in clusters { try? await cluster.shutdown() }
            throw error
        }
    }

    func run(metrics registry: PrometheusCollectorRegistry) async throws {
        await pipeline.start()
        let telemetry = AuditTelemetry(registry: registry, pipeline: pipeline, shipper: shipper)
        let admin: Channel
        let listener: Channel
        do {
            do {
                admin = try await AdminServer(endpoints: .init(metrics: { await telemetry.metricsText() }, readiness: { await telemetry.readiness() }))
                    .start(host: settings.adminListen.host, port: settings.adminListen.port)
            } catch {
                throw CommandFailure(description: "cannot listen on \(settings.adminListen) (admin_listen): \(error)")
            }
            do {
                listener = try await server.start(host: settings.listen.host, port: settings.listen.port)
            } catch {
                try? await admin.close()
                throw CommandFailure(description: "cannot listen on \(settings.listen): \(error)")
            }
        } catch {
            for cluster in await reloader.currentClusters { try? await cluster.shutdown() }
            await pipeline.shutdown()
            throw error
        }
        let clusters = await reloader.currentClusters
        for cluster in clusters {
            Task { [logger] in
                switch await cluster.discoverVersion() {
                case .success(let version): logger.info("cluster reachable", metadata: ["cluster": "\(cluster.name)", "version": "\(version)"])
                case .failure(let error): logger.warning("cluster version unknown", metadata: ["cluster": "\(cluster.name)", "error": "\(error)"])
                }
            }
        }
        let port = listener.localAddress?.port ?? settings.listen.port
        let adminPort = admin.localAddress?.port ?? settings.adminListen.port
        print("kubetrail proxy: serving https://\(settings.listen.host):\(port)/clusters/{\(clusters.map(\.name).joined(separator: ","))} (h2, http/1.1); "
              + "admin http://\(settings.adminListen.host):\(adminPort)/metrics")
        fflush(nil)

        let stop = SignalWatch([SIGTERM, SIGINT])
        let hangup = SignalWatch([SIGHUP])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await postgres.run() }
            group.addTask { try await shipper.run() }
            group.addTask { [reloader] in
                for await _ in hangup.arrivals { await reloader.reload(because: "SIGHUP") }
            }
            group.addTask { [reloader] in await Self.watchFiles(reloader) }
            group.addTask { [logger, pipeline, server] in
                await stop.wait()
                // Drain: stop accepting, let in-flight requests finish their events, flush the spool.
                logger.notice("stopping: draining requests and flushing the audit spool")
                try? await listener.close()
                // Sessions still open get their last chunk and an end event while the trail takes them.
                await server.core.stopSessions()
                try? await Task.sleep(for: .milliseconds(200))
                await pipeline.shutdown()
                try? await admin.close()
            }
            // The shipper returns once the pipeline is shut down and everything durable is shipped
            // (or the database stays away: then the events wait in the spool for the next start).
            _ = try await group.next()
            group.cancelAll()
        }
        for cluster in await reloader.currentClusters { try? await cluster.shutdown() }
    }

    /// Reloads when a certificate, key, CA, token or JWKS file the configuration names changes.
    static func watchFiles(_ reloader: ProxyReloader) async {
        var watch = FileChangeWatch(paths: await reloader.watchedFiles)
        while !Task.isCancelled {
            try? await Task.sleep(for: fileCheckInterval)
            let changed = watch.changed()
            guard !changed.isEmpty else { continue }
            // A certificate and its key are seldom written at the same instant: let both land.
            try? await Task.sleep(for: .milliseconds(500))
            await reloader.reload(because: "changed: \(changed.joined(separator: ", "))")
            // Watch what the (possibly new) configuration names, as it is now; a failed reload
            // is tried again at the next change.
            watch = FileChangeWatch(paths: await reloader.watchedFiles)
        }
    }
}
