import Foundation
import KubeAPI
import NIOSSL
import Proxy
import ProxyConfiguration

/// The listener's certificate, key and client CAs, as read from the files the configuration names.
struct ListenerCredentials {
    var certificateChain: [NIOSSLCertificate]
    var privateKey: NIOSSLPrivateKey
    var clientCAs: [NIOSSLCertificate]
}

/// What a cluster's connection pool is made from: its settings and the bytes of every file they
/// name. Equal sources mean the running pool can be kept across a reload.
struct ClusterSource: Equatable {
    var settings: ClusterSettings
    var files: [Data?]
    var maximumConnectionsPerHost: Int
    var idleTimeout: Duration
}

/// Reads the files a configuration names into TLS material and upstream clusters; every failure
/// names the file, the key and the problem. Used at start and on every reload.
enum ProxyMaterial {
    static func failure(_ configPath: String, _ key: String, _ path: ConfigPath, _ error: any Error) -> CommandFailure {
        CommandFailure(description: "\(configPath): \(key): \(path.given): cannot load: \(error)")
    }

    static func listener(_ settings: ProxyConfiguration, configPath: String) throws -> ListenerCredentials {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do { chain = try NIOSSLCertificate.fromPEMFile(settings.tls.certificateFile.resolved) } catch {
            throw failure(configPath, "tls.cert_file", settings.tls.certificateFile, error)
        }
        do { key = try NIOSSLPrivateKey(file: settings.tls.keyFile.resolved, format: .pem) } catch {
            throw failure(configPath, "tls.key_file", settings.tls.keyFile, error)
        }
        var clientCAs: [NIOSSLCertificate] = []
        for (index, path) in settings.tls.clientCAFiles.enumerated() {
            do { clientCAs += try NIOSSLCertificate.fromPEMFile(path.resolved) } catch {
                throw failure(configPath, "tls.client_ca_files[\(index)]", path, error)
            }
        }
        return ListenerCredentials(certificateChain: chain, privateKey: key, clientCAs: clientCAs)
    }

    static func source(_ settings: ProxyConfiguration, cluster index: Int) -> ClusterSource {
        let cluster = settings.clusters[index]
        var paths: [ConfigPath] = cluster.caFile.map { [$0] } ?? []
        switch cluster.credentials {
        case .clientCertificate(let certificate, let key): paths += [certificate, key]
        case .tokenFile(let path): paths.append(path)
        case .tokenEnvironment: break
        }
        return ClusterSource(settings: cluster, files: paths.map { FileManager.default.contents(atPath: $0.resolved) },
                             maximumConnectionsPerHost: settings.upstreamPool.maxIdleConnectionsPerHost,
                             idleTimeout: settings.upstreamPool.idleTimeout)
    }

    /// A pooled client for `clusters[index]` with the proxy's credentials for it.
    static func cluster(_ settings: ProxyConfiguration, index: Int, configPath: String) throws -> UpstreamCluster {
        let cluster = settings.clusters[index]
        let pool = UpstreamCluster.Pool(
            maximumConnectionsPerHost: settings.upstreamPool.maxIdleConnectionsPerHost,
            idleTimeout: .nanoseconds(Int64(settings.upstreamPool.idleTimeout.components.seconds) * 1_000_000_000))
        var cas: [NIOSSLCertificate] = []
        if let ca = cluster.caFile {
            do { cas = try NIOSSLCertificate.fromPEMFile(ca.resolved) } catch { throw failure(configPath, "clusters[\(index)].ca_file", ca, error) }
        }
        var certificates: [NIOSSLCertificate] = []
        var clientKey: NIOSSLPrivateKey?
        var token: String?
        switch cluster.credentials {
        case .clientCertificate(let certificate, let keyPath):
            do { certificates = try NIOSSLCertificate.fromPEMFile(certificate.resolved) } catch {
                throw failure(configPath, "clusters[\(index)].client_cert_file", certificate, error)
            }
            do { clientKey = try NIOSSLPrivateKey(file: keyPath.resolved, format: .pem) } catch {
                throw failure(configPath, "clusters[\(index)].client_key_file", keyPath, error)
            }
        case .tokenFile(let path):
            do { token = try String(contentsOfFile: path.resolved, encoding: .utf8).trimming(" \t\r\n") } catch {
                throw failure(configPath, "clusters[\(index)].token_file", path, error)
            }
        case .tokenEnvironment(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw CommandFailure(description: "\(configPath): clusters[\(index)].token_env: the environment variable \(name) is not set")
            }
            token = value
        }
        do {
            return try UpstreamCluster(name: cluster.name, server: cluster.server, caCertificates: cas,
                                       clientCertificateChain: certificates, clientKey: clientKey, token: token, pool: pool)
        } catch {
            throw CommandFailure(description: "\(configPath): clusters[\(index)]: cannot set up TLS to \(cluster.server): \(error)")
        }
    }

    /// Every file the configuration names whose change should reload it: certificates, keys,
    /// CAs, tokens and the JWKS.
    static func watchedFiles(_ settings: ProxyConfiguration) -> [String] {
        var paths = [settings.tls.certificateFile, settings.tls.keyFile] + settings.tls.clientCAFiles
        for cluster in settings.clusters {
            if let ca = cluster.caFile { paths.append(ca) }
            switch cluster.credentials {
            case .clientCertificate(let certificate, let key): paths += [certificate, key]
            case .tokenFile(let path): paths.append(path)
            case .tokenEnvironment: break
            }
        }
        if let oidc = settings.oidc, case .file(let path) = oidc.jwks { paths.append(path) }
        return paths.map(\.resolved)
    }
}
