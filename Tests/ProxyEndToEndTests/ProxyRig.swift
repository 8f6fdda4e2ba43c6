import Foundation
import KubeAPI
import KubetrailTestSupport

/// Everything a proxy end-to-end test runs against, all real: a fresh PostgreSQL database on the
/// server tools/test started, the emulator, a CA with users' kubeconfigs, and `kubetrail proxy`.
final class ProxyRig: @unchecked Sendable {
    // @unchecked: every property is set in start() and only read afterwards.
    let emulator: RunningEmulator
    let proxy: ChildProcess
    let directory: String
    let databaseURL: String
    let adminURL: String
    let database: String
    let proxyURL: String

    static let rbac = """
        rules:
          - users: [kubetrail-proxy]
            verbs: [impersonate]
            resources: [users, groups, userextras]
          - groups: [dev, ops]
            verbs: ["*"]
            resources: ["*"]
        """

    static let policy = """
        policy:
          roles:
            - name: dev-all
              groups: [dev]
              clusters: [emu]
              cluster_scope: true
              verbs: ["*"]
              resources: ["*"]
            - name: ops-impersonate
              groups: [ops]
              clusters: [emu]
              cluster_scope: true
              verbs: ["*"]
              resources: ["*"]
              impersonate: true
          deny:
            - name: no-secret-reads
              groups: [dev]
              verbs: [get, list, watch]
              resources: [secrets]
        """

    private init(emulator: RunningEmulator, proxy: ChildProcess, directory: String, databaseURL: String, adminURL: String,
                 database: String, proxyURL: String) {
        self.emulator = emulator
        self.proxy = proxy
        self.directory = directory
        self.databaseURL = databaseURL
        self.adminURL = adminURL
        self.database = database
        self.proxyURL = proxyURL
    }

    static func adminDatabaseURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["KUBETRAIL_TEST_DATABASE_URL"] else {
            throw TestFailure("KUBETRAIL_TEST_DATABASE_URL is not set: run the tests with tools/test, which starts PostgreSQL")
        }
        return url
    }

    static func run(_ path: String, _ arguments: [String]) async throws -> ChildProcess.Result {
        let result = await (try ChildProcess(path, arguments)).wait(timeout: .seconds(60))
        guard result.status == 0 else { throw TestFailure("\(path) \(arguments.joined(separator: " ")) failed: \(result)") }
        return result
    }

    /// Starts the rig. `audit` is YAML added inside the `audit:` block (e.g. `default_level: None`,
    /// `rules:`, `omit_stages:`, `on_audit_failure:`), `configuration` is YAML added at the top level
    /// (e.g. an `oidc:` block); both are written unindented and indented here. `files` are written
    /// into the rig's directory (relative paths) before the proxy starts.
    static func start(durability: String = "strict", spoolDirectory: String? = nil, adminDatabaseURL admin: String? = nil,
                      audit: String = "", configuration: String = "", files: [String: String] = [:]) async throws -> ProxyRig {
        let admin = try admin ?? adminDatabaseURL()
        let database = "kt_proxy_" + UUID().uuidString.replacing("-", with: "").prefix(12).lowercased()
        _ = try await run("psql", [admin, "-qc", "CREATE DATABASE \(database)"])
        let databaseURL = admin.replacing(#/\/[^/?]+(\?|$)/#) { match in "/\(database)\(match.output.1)" }
        let kubetrail = Repository.product("kubetrail")
        _ = try await run(kubetrail, ["migrate", "--database-url", databaseURL])

        let directory = NSTemporaryDirectory() + "kubetrail-proxy-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try rbac.write(toFile: directory + "/rbac.yaml", atomically: true, encoding: .utf8)
        try "proxy-secret".write(toFile: directory + "/emulator-token", atomically: true, encoding: .utf8)
        let emulator = try await RunningEmulator.start(["--rbac", directory + "/rbac.yaml", "--token", "proxy-secret=kubetrail-proxy"])

        do {
            return try await startProxy(emulator: emulator, directory: directory, databaseURL: databaseURL, admin: admin, database: database,
                                        durability: durability, spoolDirectory: spoolDirectory, audit: audit, configuration: configuration, files: files)
        } catch {
            // A proxy that did not start leaves nothing running behind it.
            emulator.stop()
            _ = try? await run("psql", [admin, "-qc", "DROP DATABASE IF EXISTS \(database) WITH (FORCE)"])
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    private static func startProxy(emulator: RunningEmulator, directory: String, databaseURL: String, admin: String, database: String,
                                   durability: String, spoolDirectory: String?, audit: String, configuration: String,
                                   files: [String: String]) async throws -> ProxyRig {
        let kubetrail = Repository.product("kubetrail")
        for (name, contents) in files { try contents.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8) }
        let port = try freePort()
        _ = try await run(kubetrail, ["ca", "init", "--dir", directory + "/ca"])
        _ = try await run(kubetrail, ["ca", "server", "--dir", directory + "/ca", "--host", "127.0.0.1", "--out", directory + "/tls"])
        for (user, group) in [("alice", "dev"), ("bob", "guests"), ("olga", "ops")] {
            _ = try await run(kubetrail, ["ca", "issue", "--dir", directory + "/ca", "--user", user, "--group", group, "--cluster", "emu",
                                          "--server", "https://127.0.0.1:\(port)", "--out", directory + "/" + user])
        }
        let config = """
            listen: 127.0.0.1:\(port)
            admin_listen: 127.0.0.1:\(try freePort())
            tls:
              cert_file: tls/server.crt
              key_file: tls/server.key
              client_ca_files: [ca/ca.crt]
            clusters:
              - name: emu
                server: \(emulator.url)
                ca_file: \(emulator.directory)/pki/ca.crt
                token_file: emulator-token
            \(policy)
            audit:
              database_url: \(databaseURL)
              spool_dir: \(spoolDirectory ?? "spool")
              durability: \(durability)
              \(Self.indented(audit, by: "  "))
            \(configuration)
            """
        try config.write(toFile: directory + "/proxy.yaml", atomically: true, encoding: .utf8)
        let proxy = try ChildProcess(kubetrail, ["proxy", "--config", directory + "/proxy.yaml"])
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if proxy.output().contains("serving") {
                return ProxyRig(emulator: emulator, proxy: proxy, directory: directory, databaseURL: databaseURL, adminURL: admin,
                                database: database, proxyURL: "https://127.0.0.1:\(port)")
            }
            var status: Int32 = 0
            if waitpid(proxy.pid, &status, WNOHANG) == proxy.pid { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        proxy.signal(SIGKILL)
        _ = await proxy.wait(timeout: .seconds(5))
        throw TestFailure("kubetrail proxy did not start: \(proxy.output()) \(proxy.errors())")
    }

    /// `yaml` with every line after the first indented, so it can be interpolated at an indented place.
    static func indented(_ yaml: String, by indentation: String) -> String {
        yaml.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .map { $0.offset == 0 ? String($0.element) : indentation + $0.element }.joined(separator: "\n")
    }

    /// kubectl as `user` through the proxy.
    func kubectl(_ user: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) async throws -> ChildProcess.Result {
        var stdinPath: String?
        if let stdin {
            stdinPath = directory + "/stdin-" + UUID().uuidString
            try stdin.write(toFile: stdinPath!, atomically: true, encoding: .utf8)
        }
        let child = try ChildProcess("kubectl", ["--kubeconfig", directory + "/\(user)/kubeconfig", "--cache-dir", directory + "/cache-\(user)"] + arguments,
                                     environment: environment, stdinPath: stdinPath)
        return await child.wait(timeout: .seconds(60))
    }

    /// kubectl as `user`, left running (watches, `logs -f`); the caller ends it.
    func startKubectl(_ user: String, _ arguments: [String]) throws -> ChildProcess {
        try ChildProcess("kubectl", ["--kubeconfig", directory + "/\(user)/kubeconfig", "--cache-dir", directory + "/cache-\(user)"] + arguments)
    }

    /// The trail once `condition` holds for it (waits up to 60 s for the shipper; returns what there is then).
    func events(until condition: ([JSONValue]) -> Bool) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + .seconds(60)
        var events = try await self.events(atLeast: 0)
        while !condition(events) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            events = try await self.events(atLeast: 0)
        }
        return events
    }

    /// kubectl with a bearer token and no client certificate, trusting the proxy's server CA.
    func kubectl(token: String, _ arguments: [String]) async throws -> ChildProcess.Result {
        let path = directory + "/kubeconfig-token-" + UUID().uuidString.prefix(8)
        try """
            apiVersion: v1
            kind: Config
            clusters:
            - name: emu
              cluster: {server: "\(proxyURL)/clusters/emu", certificate-authority: "\(directory)/ca/ca.crt"}
            users:
            - name: token
              user: {token: "\(token)"}
            contexts:
            - name: emu
              context: {cluster: emu, user: token, namespace: default}
            current-context: emu
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let child = try ChildProcess("kubectl", ["--kubeconfig", path, "--cache-dir", directory + "/cache-token"] + arguments)
        return await child.wait(timeout: .seconds(60))
    }

    /// The trail as `kubetrail query --format json` prints it, once `expected` events are there (waits for the shipper).
    /// With `bodies`, stored request and response bodies are decompressed into the events (`--show-bodies`).
    func events(atLeast expected: Int = 1, bodies: Bool = false) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + .seconds(60)
        var events: [JSONValue] = []
        while ContinuousClock.now < deadline {
            let result = try await Self.run(Repository.product("kubetrail"), ["query", "--database-url", databaseURL, "--since", "1h",
                                                                               "--format", "json", "--limit", "10000"] + (bodies ? ["--show-bodies"] : []))
            events = try result.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
            if events.count >= expected { return events }
            try await Task.sleep(for: .milliseconds(200))
        }
        return events
    }

    /// Stops the proxy and the emulator and drops the database, blocking until done: for `defer`,
    /// where a `Task` may never run once the test process exits (leaving an emulator behind).
    func stopNow() {
        proxy.signal(SIGTERM)
        Self.waitBlocking(proxy, timeout: .seconds(10))
        emulator.stop()
        Self.runNow("psql", [adminURL, "-qc", "DROP DATABASE IF EXISTS \(database) WITH (FORCE)"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs a command to its end without suspending (for `defer`); its outcome is not checked.
    static func runNow(_ path: String, _ arguments: [String], environment: [String: String] = [:]) {
        if let child = try? ChildProcess(path, arguments, environment: environment) { waitBlocking(child, timeout: .seconds(120)) }
    }

    /// Waits for `child` to exit without suspending; kills its process group after `timeout`.
    static func waitBlocking(_ child: ChildProcess, timeout: Duration) {
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        while waitpid(child.pid, &status, WNOHANG) == 0 {
            if ContinuousClock.now > deadline {
                child.signal(SIGKILL)
                _ = waitpid(child.pid, &status, 0)
                return
            }
            usleep(20_000)
        }
    }

}

/// A port nobody listens on right now: bound to port 0, read back, released.
func freePort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw TestFailure("socket: \(errno)") }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
    guard bound == 0 else { throw TestFailure("bind: \(errno)") }
    let named = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
    guard named == 0 else { throw TestFailure("getsockname: \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A PostgreSQL server of the test's own (tools/pg in its own folder, on its own port), so the
/// test can stop and start it.
struct PrivatePostgres {
    let home: String
    let port: Int

    init() throws {
        home = "/var/tmp/kubetrail-proxy-pg-" + UUID().uuidString.prefix(8).lowercased()
        port = try freePort()
    }

    var url: String { "postgres://kubetrail:kubetrail@127.0.0.1:\(port)/kubetrail?sslmode=disable" }

    /// Stops and removes the server, blocking (for `defer`).
    func destroyNow() {
        ProxyRig.runNow(Repository.root + "/tools/pg", ["destroy"], environment: ["KUBETRAIL_PG_HOME": home, "KUBETRAIL_PG_PORT": String(port)])
    }

    func run(_ arguments: [String]) async throws {
        let result = await (try ChildProcess(Repository.root + "/tools/pg", arguments,
                                             environment: ["KUBETRAIL_PG_HOME": home, "KUBETRAIL_PG_PORT": String(port)])).wait(timeout: .seconds(120))
        guard result.status == 0 else { throw TestFailure("tools/pg \(arguments.joined(separator: " ")) failed: \(result)") }
    }
}
