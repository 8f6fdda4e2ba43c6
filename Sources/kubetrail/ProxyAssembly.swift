import Audit
import Dispatch
import Foundation
import KubeAPI
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Proxy
import ProxyConfiguration

/// The proxy daemon put together from its configuration: TLS, clusters, policy, audit pipeline,
/// shipper and listener; and how it runs and stops (SIGTERM/SIGINT drain and flush).
struct ProxyAssembly {
    let settings: ProxyConfiguration
    let server: ProxyServer
    let pipeline: AuditPipeline
    let postgres: PostgresClient
    let shipper: AuditShipper
    let clusters: [UpstreamCluster]
    let logger: Logger

    static func make(_ settings: ProxyConfiguration, configPath: String, logger: Logger) async throws -> ProxyAssembly {
        func fail(_ key: String, _ path: ConfigPath, _ error: any Error) -> CommandFailure {
            CommandFailure(description: "\(configPath): \(key): \(path.given): cannot load: \(error)")
        }
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do { chain = try NIOSSLCertificate.fromPEMFile(settings.tls.certificateFile.resolved) } catch { throw fail("tls.cert_file", settings.tls.certificateFile, error) }
        do { key = try NIOSSLPrivateKey(file: settings.tls.keyFile.resolved, format: .pem) } catch { throw fail("tls.key_file", settings.tls.keyFile, error) }
        var clientCAs: [NIOSSLCertificate] = []
        for (index, path) in settings.tls.clientCAFiles.enumerated() {
            do { clientCAs += try NIOSSLCertificate.fromPEMFile(path.resolved) } catch { throw fail("tls.client_ca_files[\(index)]", path, error) }
        }

        var clusters: [UpstreamCluster] = []
        do {
            let pool = UpstreamCluster.Pool(
                maximumConnectionsPerHost: settings.upstreamPool.maxIdleConnectionsPerHost,
                idleTimeout: .nanoseconds(Int64(settings.upstreamPool.idleTimeout.components.seconds) * 1_000_000_000))
            for (index, cluster) in settings.clusters.enumerated() {
                var cas: [NIOSSLCertificate] = []
                if let ca = cluster.caFile {
                    do { cas = try NIOSSLCertificate.fromPEMFile(ca.resolved) } catch { throw fail("clusters[\(index)].ca_file", ca, error) }
                }
                var certificates: [NIOSSLCertificate] = []
                var clientKey: NIOSSLPrivateKey?
                var token: String?
                switch cluster.credentials {
                case .clientCertificate(let certificate, let keyPath):
                    do { certificates = try NIOSSLCertificate.fromPEMFile(certificate.resolved) } catch { throw fail("clusters[\(index)].client_cert_file", certificate, error) }
                    do { clientKey = try NIOSSLPrivateKey(file: keyPath.resolved, format: .pem) } catch { throw fail("clusters[\(index)].client_key_file", keyPath, error) }
                case .tokenFile(let path):
                    do { token = try String(contentsOfFile: path.resolved, encoding: .utf8).trimming(" \t\r\n") } catch { throw fail("clusters[\(index)].token_file", path, error) }
                case .tokenEnvironment(let name):
                    guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                        throw CommandFailure(description: "\(configPath): clusters[\(index)].token_env: the environment variable \(name) is not set")
                    }
                    token = value
                }
                do {
                    clusters.append(try UpstreamCluster(name: cluster.name, server: cluster.server, caCertificates: cas,
                                                        clientCertificateChain: certificates, clientKey: clientKey, token: token, pool: pool))
                } catch {
                    throw CommandFailure(description: "\(configPath): clusters[\(index)]: cannot set up TLS to \(cluster.server): \(error)")
                }
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

            let hooks = try await ProxyHooksFactory.hooks(settings, clientCAs: clientCAs, configPath: configPath)
            let core = ProxyCore(
                clusters: clusters, hooks: hooks,
                pipeline: pipeline, onAuditFailure: settings.audit.onAuditFailure == .allow ? .allow : .deny, logger: logger)
            let server = try ProxyServer(core: core, certificateChain: chain, privateKey: key, clientCAs: clientCAs)
            return ProxyAssembly(settings: settings, server: server, pipeline: pipeline, postgres: postgres, shipper: shipper,
                                 clusters: clusters, logger: logger)
        } catch {
            // An HTTP client may not be dropped open: close the pools made so far, then say what failed.
            for cluster in clusters { try? await cluster.shutdown() }
            throw error
        }
    }

    func run() async throws {
        await pipeline.start()
        let listener: Channel
        do {
            listener = try await server.start(host: settings.listen.host, port: settings.listen.port)
        } catch {
            for cluster in clusters { try? await cluster.shutdown() }
            await pipeline.shutdown()
            throw CommandFailure(description: "cannot listen on \(settings.listen): \(error)")
        }
        let port = listener.localAddress?.port ?? settings.listen.port
        print("kubetrail proxy: serving https://\(settings.listen.host):\(port)/clusters/{\(clusters.map(\.name).joined(separator: ","))} (h2, http/1.1)")
        fflush(nil)
        let stop = StopSignal()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await postgres.run() }
            group.addTask { try await shipper.run() }
            group.addTask {
                await stop.wait()
                // Drain: stop accepting, let in-flight requests finish their events, flush the spool.
                try? await listener.close()
                try? await Task.sleep(for: .milliseconds(200))
                await pipeline.shutdown()
            }
            // The shipper returns once the pipeline is shut down and everything durable is shipped
            // (or the database stays away: then the events wait in the spool for the next start).
            _ = try await group.next()
            group.cancelAll()
        }
        for cluster in clusters { try? await cluster.shutdown() }
    }
}

/// Resolves when SIGTERM or SIGINT arrives.
final class StopSignal: @unchecked Sendable {
    // @unchecked: `sources` is set once in init and only kept alive, never touched again.
    private let stream: AsyncStream<Void>
    private let sources: [DispatchSourceSignal]

    init() {
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        self.stream = stream
        var sources: [DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber)
            source.setEventHandler { continuation.yield() }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    func wait() async {
        for await _ in stream { return }
    }
}
