import ArgumentParser
import Foundation
import KubeAPI
import KubeEmulator
import NIOCore
import NIOPosix
import NIOSSL

@main
struct KubeEmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kube-emulator",
        abstract: "A Kubernetes API server emulator for Kubetrail's tests, benchmarks and quickstart.",
        discussion: """
            Serves core/v1 (namespaces, pods, services, configmaps, secrets, serviceaccounts, events) and
            apps/v1 deployments over HTTPS (HTTP/2 and HTTP/1.1), with watch, logs, exec, attach and
            port-forward, so the real kubectl works against it unmodified. State is in memory.

            With no --cert/--key it makes a CA, a server certificate and an admin client certificate in
            --state-dir and writes a kubeconfig for direct access (--kubeconfig-out):

              kube-emulator --listen 127.0.0.1:6443 --state-dir /tmp/emu --kubeconfig-out /tmp/emu/kubeconfig
              KUBECONFIG=/tmp/emu/kubeconfig kubectl get namespaces

            Callers authenticate with a client certificate signed by --client-ca (CN = user, O = groups)
            or a bearer token from --token. Impersonate-* headers are honoured for callers the --rbac
            file lets "impersonate" users/groups (without --rbac every authenticated caller may do
            everything). Every request is logged as a JSON line to --request-log.
            """)

    @Option(help: "Address to listen on, HOST:PORT. Port 0 picks a free port (printed, and written to the kubeconfig).")
    var listen = "127.0.0.1:6443"

    @Option(help: "Server certificate chain (PEM). With --key; without both, certificates are made in --state-dir.")
    var cert: String?

    @Option(help: "Server private key (PEM).")
    var key: String?

    @Option(help: "CA bundle (PEM) that signs client certificates; repeatable. Defaults to the made CA when certificates are made.")
    var clientCA: [String] = []

    @Option(help: "Accepted bearer token: TOKEN, or TOKEN=USER, or TOKEN=USER:GROUP1,GROUP2. Repeatable. A bare TOKEN is user \"admin\" in group system:masters.")
    var token: [String] = []

    @Option(help: "Directory for made certificates (reused when present) and pods' private directories.")
    var stateDir = "/tmp/kube-emulator"

    @Option(help: "Write a kubeconfig for direct access (admin client certificate) to this file.")
    var kubeconfigOut: String?

    @Option(help: "Append one JSON line per request to this file.")
    var requestLog: String?

    @Option(help: "RBAC file (YAML: rules of users/groups → verbs, resources, namespaces).")
    var rbac: String?

    @Option(help: "Milliseconds a new pod stays Pending before it runs.")
    var podStartDelayMs = 300

    @Option(help: "Bytes of deterministic log per container (a pod annotation kube-emulator.kubetrail.dev/log-bytes overrides).")
    var logBytes = 4096

    @Option(help: "Milliseconds between new lines once `logs -f` has sent the existing log.")
    var logFollowIntervalMs = 1000

    @Option(help: "Seconds between watch bookmarks for watches that allow them.")
    var bookmarkIntervalSeconds = 10

    func run() async throws {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            throw ValidationError("--listen must be HOST:PORT, got \"\(listen)\"")
        }
        let host = String(listen[..<colon])
        var options = EmulatorOptions()
        options.podStartDelay = .milliseconds(podStartDelayMs)
        options.logBytes = logBytes
        options.logFollowInterval = .milliseconds(logFollowIntervalMs)
        options.bookmarkInterval = .seconds(bookmarkIntervalSeconds)
        options.podRoot = stateDir + "/pods"
        options.tokens = try Self.parseTokens(token)
        if let rbac {
            let text: String
            do { text = try String(contentsOfFile: rbac, encoding: .utf8) } catch {
                throw ValidationError("--rbac \(rbac): cannot read: \(error.localizedDescription)")
            }
            options.policy = try AccessPolicy(yaml: text, source: rbac)
        }

        let material: EmulatorServer.TLSMaterial
        var made: EmulatorCertificates?
        switch (cert, key) {
        case (let cert?, let key?):
            material = EmulatorServer.TLSMaterial(
                certificateChain: try Self.load("--cert", cert) { try NIOSSLCertificate.fromPEMFile($0) },
                privateKey: try Self.load("--key", key) { try NIOSSLPrivateKey(file: $0, format: .pem) },
                clientCAs: try clientCA.flatMap { path in try Self.load("--client-ca", path) { try NIOSSLCertificate.fromPEMFile($0) } })
        case (nil, nil):
            let certificates = try EmulatorCertificates.loadOrCreate(in: stateDir + "/pki", hosts: ["127.0.0.1", "localhost", host])
            made = certificates
            let extraCAs = try clientCA.flatMap { path in try Self.load("--client-ca", path) { try NIOSSLCertificate.fromPEMFile($0) } }
            material = EmulatorServer.TLSMaterial(
                certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(certificates.serverPEM.utf8)),
                privateKey: try NIOSSLPrivateKey(bytes: Array(certificates.serverKeyPEM.utf8), format: .pem),
                clientCAs: try NIOSSLCertificate.fromPEMBytes(Array(certificates.caPEM.utf8)) + extraCAs)
        default:
            throw ValidationError("--cert and --key go together")
        }

        let log = try requestLog.map { try RequestLog(path: $0) }
        let group = MultiThreadedEventLoopGroup.singleton
        let boundPort: Int
        let channel: Channel
        do {
            options.externalAddress = "\(host):\(port)"
            let api = await EmulatedAPIServer(options: options, requestLog: log)
            let server = try EmulatorServer(api: api, tls: material, group: group)
            channel = try await server.start(host: host, port: port)
            boundPort = channel.localAddress?.port ?? port
        } catch let error as IOError {
            throw ValidationError("cannot listen on \(listen): \(error.description)")
        }
        let url = "https://\(host):\(boundPort)"
        if let kubeconfigOut {
            guard let made else { throw ValidationError("--kubeconfig-out needs made certificates (omit --cert/--key)") }
            try made.kubeconfig(server: url).write(toFile: kubeconfigOut, atomically: true, encoding: .utf8)
        }
        print("kube-emulator: serving \(url) (h2, http/1.1)\(kubeconfigOut.map { "; kubeconfig \($0)" } ?? "")")
        fflush(nil)
        try await channel.closeFuture.get()
    }

    static func load<T>(_ flag: String, _ path: String, _ body: (String) throws -> T) throws -> T {
        do { return try body(path) } catch {
            throw ValidationError("\(flag) \(path): cannot load: \(error)")
        }
    }

    static func parseTokens(_ specs: [String]) throws -> [String: UserIdentity] {
        var tokens: [String: UserIdentity] = [:]
        for spec in specs {
            let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
            guard let value = parts.first, !value.isEmpty else { throw ValidationError("--token: empty token") }
            if parts.count == 1 {
                tokens[value] = UserIdentity(name: "admin", groups: ["system:masters"])
                continue
            }
            let identity = parts[1].split(separator: ":", maxSplits: 1).map(String.init)
            guard let user = identity.first, !user.isEmpty else { throw ValidationError("--token \(value)=…: empty user") }
            let groups = identity.count > 1 ? identity[1].split(separator: ",").map(String.init) : []
            tokens[value] = UserIdentity(name: user, groups: groups)
        }
        return tokens
    }
}
