import Foundation
import KubeAPI
import KubetrailTestSupport
import Testing

/// The real kubectl through `kubetrail proxy` to the emulator, with the trail in real PostgreSQL.
@Suite(.serialized) struct ProxyEndToEndTests {
    @Test func anAllowedUserWorksAndEveryRequestIsInTheTrail() async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        let namespaces = try await rig.kubectl("alice", ["get", "namespaces"])
        #expect(namespaces.status == 0, "\(namespaces)")
        #expect(namespaces.stdout.contains("kube-system"))
        #expect(try await rig.kubectl("alice", ["run", "web", "--image=nginx"]).stdout.contains("pod/web created"))
        _ = try await rig.kubectl("alice", ["wait", "--for=condition=Ready", "pod/web", "--timeout=10s"])
        let logs = try await rig.kubectl("alice", ["logs", "web", "--tail=2"])
        #expect(logs.stdout.split(separator: "\n").count == 2, "\(logs)")
        let applied = try await rig.kubectl("alice", ["apply", "-f", "-"], stdin: #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings"},"data":{"a":"b"}}"#)
        #expect(applied.stdout.contains("configmap/settings created"), "\(applied)")
        #expect(try await rig.kubectl("alice", ["delete", "configmap", "settings"]).status == 0)

        let events = try await rig.events(atLeast: 10)
        let list = try #require(events.first { $0["verb"] == "list" && $0["resource"] == "pods" && $0["stage"] == "ResponseComplete" })
        #expect(list["user"] == "alice")
        #expect(list["groups"] == ["dev", "system:authenticated"])
        #expect(list["cluster"] == "emu")
        #expect(list["namespace"] == "default")
        #expect(list["status"] == .int(200))
        #expect(list["decision"] == "allow")
        #expect(list["rule"] == "roles[0] dev-all")
        #expect(list["sourceIPs"] == ["127.0.0.1"])
        #expect(list["authentication"] == "x509")
        #expect(list["kubectlCommand"] == "kubectl logs" || list["kubectlCommand"] == "kubectl get" || list["kubectlCommand"] == "kubectl wait")
        let delete = try #require(events.first { $0["verb"] == "delete" && $0["stage"] == "ResponseComplete" })
        #expect(delete["resource"] == "configmaps")
        #expect(delete["name"] == "settings")
        // Audit before access: every completed request has its RequestReceived first, same audit id.
        for complete in events where complete["stage"] == "ResponseComplete" && complete["decision"] == "allow" {
            let received = events.first { $0["auditID"] == complete["auditID"] && $0["stage"] == "RequestReceived" }
            #expect(received != nil, "no RequestReceived for \(complete)")
            if let received, let a = received["seq"]?.intValue, let b = complete["seq"]?.intValue { #expect(a < b) }
        }
        // The cluster saw the caller as impersonated by the proxy, with the trail's audit id.
        let seen = try rig.emulator.requestLog().filter { $0["path"] == "/api/v1/namespaces/default/pods" && $0["method"] == "GET" }
        let first = try #require(seen.first)
        #expect(first[path: ["user", "user"]] == "kubetrail-proxy")
        #expect(first[path: ["impersonated", "user"]] == "alice")
        #expect(events.contains { $0["auditID"] == first["auditID"] })
        #expect(first["forwardedFor"] == "127.0.0.1")
    }

    @Test func aForbiddenUserGets403AndADenialEvent() async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        let result = try await rig.kubectl("bob", ["get", "pods"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("Forbidden"), "\(result)")
        let events = try await rig.events(atLeast: 1)
        // bob has no role on the cluster, so even discovery (his first request) is refused.
        let denial = try #require(events.first { $0["user"] == "bob" })
        #expect(denial["decision"] == "deny")
        #expect(denial["status"] == .int(403))
        #expect(denial["rule"] == "default-deny")
        #expect(try rig.emulator.requestLog().allSatisfy { $0[path: ["impersonated", "user"]] != "bob" }, "nothing of bob's reached the cluster")
        // A deny rule wins over the role that would allow it, and names itself.
        let secrets = try await rig.kubectl("alice", ["get", "secrets"])
        #expect(secrets.status != 0)
        let refused = try await rig.events(atLeast: 2)
        #expect(refused.contains { $0["user"] == "alice" && $0["resource"] == "secrets" && $0["rule"] == "deny[0] no-secret-reads" })
    }

    @Test func clientCredentialsAndImpersonationHeadersGiveNoPrivilege() async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        func curl(_ user: String, _ headers: [String]) async throws -> (Int, String) {
            var arguments = ["-s", "-o", "-", "-w", "\n%{http_code}", "--cacert", rig.directory + "/ca/ca.crt",
                             "--cert", rig.directory + "/\(user)/\(user).crt", "--key", rig.directory + "/\(user)/\(user).key"]
            for header in headers { arguments += ["-H", header] }
            arguments.append(rig.proxyURL + "/clusters/emu/api/v1/namespaces/default/pods")
            let result = await (try ChildProcess("curl", arguments)).wait(timeout: .seconds(20))
            let lines = result.stdout.split(separator: "\n")
            return (Int(lines.last ?? "") ?? -1, lines.dropLast().joined(separator: "\n"))
        }
        // bob tries to become alice, or to pass his own credentials or impersonation through.
        for headers in [
            ["Impersonate-User: alice", "Impersonate-Group: dev"],
            ["Authorization: Bearer proxy-secret"],
            ["Connection: Impersonate-User", "Impersonate-User: alice"],
            ["iMpErSoNaTe-UsEr: alice"],
            ["Impersonate-Group: dev"],
            ["X-Remote-User: alice", "X-Remote-Group: dev"],
        ] {
            let (status, _) = try await curl("bob", headers)
            #expect(status == 403 || status == 400, "\(headers) gave \(status)")
        }
        // alice may not impersonate (no role grants it); olga's role may.
        let (aliceStatus, _) = try await curl("alice", ["Impersonate-User: olga"])
        #expect(aliceStatus == 403)
        let (olgaStatus, _) = try await curl("olga", ["Impersonate-User: alice", "Impersonate-Group: dev"])
        #expect(olgaStatus == 200)
        let log = try rig.emulator.requestLog()
        #expect(log.allSatisfy { $0[path: ["impersonated", "user"]] != .null }, "every request reached the cluster impersonated")
        #expect(!log.contains { $0[path: ["impersonated", "user"]] == "alice" && ($0[path: ["impersonated", "groups"]]?.arrayValue ?? []).isEmpty })
        let events = try await rig.events(atLeast: 8)
        let olga = try #require(events.first { $0["user"] == "olga" && $0["stage"] == "ResponseComplete" })
        #expect(olga["impersonatedUser"] == "alice", "the original user is kept, the impersonated one recorded")
    }

    @Test func unknownCertificatesAndMissingCredentialsGet401AndAreAudited() async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        _ = try await ProxyRig.run(Repository.product("kubetrail"), ["ca", "init", "--dir", rig.directory + "/other-ca"])
        _ = try await ProxyRig.run(Repository.product("kubetrail"), ["ca", "issue", "--dir", rig.directory + "/other-ca", "--user", "mallory",
                                                                    "--group", "dev", "--cluster", "emu", "--server", rig.proxyURL, "--out", rig.directory + "/mallory"])
        // mallory trusts the proxy's server certificate but presents a client certificate of another CA.
        let forged = await (try ChildProcess("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", rig.directory + "/ca/ca.crt",
                                                      "--cert", rig.directory + "/mallory/mallory.crt", "--key", rig.directory + "/mallory/mallory.key",
                                                      rig.proxyURL + "/clusters/emu/api/v1/pods"])).wait(timeout: .seconds(20))
        #expect(forged.stdout == "401", "a certificate from another CA gets a 401, not a bare handshake failure: \(forged)")
        let anonymous = await (try ChildProcess("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", rig.directory + "/ca/ca.crt",
                                                         rig.proxyURL + "/clusters/emu/api/v1/pods"])).wait(timeout: .seconds(20))
        #expect(anonymous.stdout == "401")
        let events = try await rig.events(atLeast: 1)
        #expect(events.contains { $0["decision"] == "unauthenticated" && $0["status"] == .int(401) })
        #expect(events.contains { $0["decision"] == "unauthenticated" && ($0["rule"]?.stringValue ?? "").hasPrefix("client certificate") },
                "the foreign certificate's refusal is in the trail with its reason")
        let unknownCluster = await (try ChildProcess("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", rig.directory + "/ca/ca.crt",
                                                              "--cert", rig.directory + "/alice/alice.crt", "--key", rig.directory + "/alice/alice.key",
                                                              rig.proxyURL + "/clusters/nowhere/api/v1/pods"])).wait(timeout: .seconds(20))
        #expect(unknownCluster.stdout == "404")
    }

    @Test func aSecretsValueNeverReachesTheDatabase() async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        let value = "hunter2-" + UUID().uuidString
        let created = try await rig.kubectl("alice", ["create", "secret", "generic", "db-password", "--from-literal=password=\(value)"])
        #expect(created.stdout.contains("secret/db-password created"), "\(created)")
        let events = try await rig.events(atLeast: 2)
        // kubectl sends this create as protobuf: the name comes from that body.
        #expect(events.contains { $0["verb"] == "create" && $0["resource"] == "secrets" && $0["status"] == .int(201) && $0["name"] == "db-password" })
        #expect(events.contains { $0["verb"] == "create" && $0["stage"] == "RequestReceived" && $0["name"] == "db-password" })
        let dump = try await ProxyRig.run("pg_dump", ["--data-only", rig.databaseURL])
        #expect(!dump.stdout.contains(value))
        #expect(!dump.stdout.contains(Base64.encode(Array(value.utf8))))
    }
}

/// Audit before access, when the audit cannot be written: the proxy refuses (503) rather than
/// forward unaudited, and recovers by itself once the spool has room. A real full file system:
/// the spool on a tiny tmpfs (needs root, which CI has).
@Suite(.serialized) struct ProxyAuditFailureTests {
    @Test func aFullSpoolMeans503AndNothingReachesTheCluster() async throws {
        let mount = try await TmpfsMount(size: "256k")
        defer { mount.remove() }
        let rig = try await ProxyRig.start(durability: "strict", spoolDirectory: mount.path)
        defer { rig.stopNow() }
        #expect(try await rig.kubectl("alice", ["get", "pods"]).status == 0)
        try await mount.fill()
        // A full file system may still take a few small records in its last partly used page; those
        // requests are audited and may pass. Then the spool fails, and the proxy must refuse.
        var refusal: ChildProcess.Result?
        for _ in 0..<60 where refusal == nil {
            let result = try await rig.kubectl("alice", ["get", "configmaps", "--request-timeout=20s"])
            if result.status != 0 { refusal = result }
        }
        let refused = try #require(refusal, "the proxy kept forwarding with a full spool")
        #expect(refused.stderr.contains("audit trail cannot record"), "\(refused)")
        // Room again: the proxy serves without a restart.
        try mount.empty()
        var recovered = false
        for _ in 0..<20 where !recovered {
            recovered = try await rig.kubectl("alice", ["get", "configmaps"]).status == 0
            if !recovered { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(recovered)
        // No unaudited access: every request that reached the cluster is in the trail.
        let trail = try await rig.events(atLeast: 1)
        let audited = Set(trail.compactMap { $0["auditID"]?.stringValue })
        let reached = try rig.emulator.requestLog().compactMap { $0["auditID"]?.stringValue }
        #expect(!reached.isEmpty)
        for id in reached {
            var found = audited.contains(id)
            for _ in 0..<40 where !found {
                try await Task.sleep(for: .milliseconds(250))
                found = Set(try await rig.events(atLeast: 1).compactMap { $0["auditID"]?.stringValue }).contains(id)
            }
            #expect(found, "request \(id) reached the cluster but is not in the trail")
        }
    }
}

/// exec, cp and port-forward through the proxy: upgrades spliced byte for byte, over WebSocket
/// (kubectl's default) and SPDY, each audited.
@Suite(.serialized) struct ProxyUpgradeTests {
    static let transports: [[String: String]] = [[:], ["KUBECTL_REMOTE_COMMAND_WEBSOCKETS": "false", "KUBECTL_PORT_FORWARD_WEBSOCKETS": "false"]]

    func readyPod(_ rig: ProxyRig) async throws {
        #expect(try await rig.kubectl("alice", ["run", "web", "--image=nginx"]).status == 0)
        #expect(try await rig.kubectl("alice", ["wait", "--for=condition=Ready", "pod/web", "--timeout=10s"]).status == 0)
    }

    @Test(arguments: transports)
    func execThroughTheProxy(environment: [String: String]) async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        try await readyPod(rig)
        let result = try await rig.kubectl("alice", ["exec", "-i", "web", "--", "sh", "-c", "cat; echo err >&2; exit 3"],
                                           stdin: "through the proxy\n", environment: environment)
        #expect(result.status == 3, "\(result)")
        #expect(result.stdout == "through the proxy\n")
        #expect(result.stderr.contains("err"))
        let upgrades = try rig.emulator.requestLog().filter { ($0["path"]?.stringValue ?? "").hasSuffix("/exec") && $0["status"] == .int(101) }
        let upgrade = try #require(upgrades.first)
        #expect(upgrade[path: ["impersonated", "user"]] == "alice")
        let events = try await rig.events(atLeast: 3)
        let exec = events.filter { $0["subresource"] == "exec" }
        #expect(exec.contains { $0["stage"] == "RequestReceived" })
        #expect(exec.contains { $0["stage"] == "ResponseStarted" && $0["status"] == .int(101) })
        let complete = try #require(exec.first { $0["stage"] == "ResponseComplete" })
        #expect((complete["bytesIn"]?.intValue ?? 0) > 0 && (complete["bytesOut"]?.intValue ?? 0) > 0)
        #expect(complete["auditID"] == upgrade["auditID"])
    }

    @Test(arguments: transports)
    func copyAndPortForwardThroughTheProxy(environment: [String: String]) async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        try await readyPod(rig)
        let local = rig.directory + "/upload.txt"
        try (String(repeating: "payload ", count: 20_000) + "\n").write(toFile: local, atomically: true, encoding: .utf8)
        #expect(try await rig.kubectl("alice", ["cp", local, "web:copied.txt"], environment: environment).status == 0)
        #expect(try String(contentsOfFile: rig.emulator.directory + "/pods/default/web/copied.txt", encoding: .utf8)
                == (try String(contentsOfFile: local, encoding: .utf8)))
        let forwarder = try ChildProcess("kubectl", ["--kubeconfig", rig.directory + "/alice/kubeconfig", "--cache-dir", rig.directory + "/cache-alice",
                                                    "port-forward", "pod/web", ":8080"], environment: environment)
        defer { forwarder.signal(SIGTERM) }
        var port: Int?
        for _ in 0..<100 where port == nil {
            port = forwarder.output().split(separator: "\n").first { $0.hasPrefix("Forwarding from 127.0.0.1:") }
                .flatMap { $0.dropFirst("Forwarding from 127.0.0.1:".count).split(separator: " ").first }.flatMap { Int($0) }
            if port == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let localPort = try #require(port, "port-forward did not start: \(forwarder.errors())")
        let response = await (try ChildProcess("curl", ["-s", "-m", "10", "http://127.0.0.1:\(localPort)/through"])).wait(timeout: .seconds(20))
        #expect(response.stdout == "hello from pod web port 8080: GET /through\n", "\(response)")
        forwarder.signal(SIGTERM)
        // The port-forward is a recorded session (start and end), but the forwarded bytes are not stored.
        let events = try await rig.events(until: { events in
            events.contains { $0["kind"] == "session_end" && $0["subresource"] == "portforward" }
        })
        let start = try #require(events.first { $0["kind"] == "session_start" && $0["subresource"] == "portforward" })
        #expect(events.contains { $0["kind"] == "session_end" && $0["session"] == start["session"] })
        let replay = try await ProxyRig.run(Repository.product("kubetrail"), ["replay", try #require(start["session"]?.stringValue),
                                                                           "--format", "json", "--database-url", rig.databaseURL])
        #expect(!replay.stdout.contains("portForwardData") && !replay.stdout.contains("hello from pod web"),
                "the forwarded traffic is not in the trail: \(replay.stdout)")
    }

    @Test func otherUpgradesAreRefused() async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        try await readyPod(rig)
        let result = await (try ChildProcess("curl", [
            "-s", "-o", "/dev/null", "-w", "%{http_code}", "--http1.1", "--cacert", rig.directory + "/ca/ca.crt",
            "--cert", rig.directory + "/alice/alice.crt", "--key", rig.directory + "/alice/alice.key",
            "-H", "Connection: Upgrade", "-H", "Upgrade: h2c",
            rig.proxyURL + "/clusters/emu/api/v1/namespaces/default/pods/web/exec?command=true&stdout=true",
        ])).wait(timeout: .seconds(20))
        #expect(result.stdout == "400")
        #expect(try rig.emulator.requestLog().allSatisfy { ($0["upgrade"]?.stringValue ?? "").lowercased() != "h2c" })
    }
}

/// A proxy that cannot start says why, naming the file, the key and the problem.
@Suite struct ProxyStartupTests {
    @Test func badConfigurationsAndBusyPortsAreClearErrors() async throws {
        let directory = NSTemporaryDirectory() + "kubetrail-proxy-start-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let kubetrail = Repository.product("kubetrail")
        func start(_ yaml: String) async throws -> ChildProcess.Result {
            let path = directory + "/proxy.yaml"
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            return await (try ChildProcess(kubetrail, ["proxy", "--config", path])).wait(timeout: .seconds(30))
        }
        let typo = try await start("listen: 127.0.0.1:8443\nclustrs: []\n")
        #expect(typo.status != 0)
        #expect(typo.stderr.contains("proxy.yaml: clustrs: unknown key (did you mean \"clusters\"?)"), "\(typo)")

        _ = try await ProxyRig.run(kubetrail, ["ca", "init", "--dir", directory + "/ca"])
        _ = try await ProxyRig.run(kubetrail, ["ca", "server", "--dir", directory + "/ca", "--host", "127.0.0.1", "--out", directory + "/tls"])
        let busy = try freePort()
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(busy).bigEndian)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(bound == 0)
        #expect(listen(holder, 1) == 0)
        let config = """
            listen: 127.0.0.1:\(busy)
            admin_listen: 127.0.0.1:\(try freePort())
            tls: {cert_file: tls/server.crt, key_file: tls/server.key, client_ca_files: [ca/ca.crt]}
            clusters: [{name: emu, server: "https://127.0.0.1:1", token_file: token}]
            policy: {}
            audit: {database_url: "postgres://kubetrail:kubetrail@127.0.0.1:1/kubetrail", spool_dir: spool}
            """
        try "t".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        let inUse = try await start(config)
        #expect(inUse.status == 1)
        #expect(inUse.stderr.contains("cannot listen on 127.0.0.1:\(busy)"), "\(inUse)")
        #expect(!inUse.stderr.contains("Fatal error"))
        let missing = try await start(config.replacing("tls/server.crt", with: "tls/absent.crt"))
        #expect(missing.stderr.contains("tls.cert_file: tls/absent.crt: cannot load"), "\(missing)")
    }
}

/// Nothing lost: with batched durability the proxy keeps serving while PostgreSQL is down, and
/// every event arrives, once, after it returns.
@Suite(.serialized) struct ProxyDatabaseOutageTests {
    @Test func requestsKeepWorkingAndEventsArriveAfterTheDatabaseReturns() async throws {
        let postgres = try PrivatePostgres()
        try await postgres.run(["start"])
        defer { postgres.destroyNow() }
        let rig = try await ProxyRig.start(durability: "batched", adminDatabaseURL: postgres.url)
        defer { rig.stopNow() }
        #expect(try await rig.kubectl("alice", ["get", "pods"]).status == 0)
        let before = try await rig.events(atLeast: 2).count
        try await postgres.run(["stop"])
        for index in 0..<5 {
            let result = try await rig.kubectl("alice", ["create", "configmap", "during-outage-\(index)", "--from-literal=a=b"])
            #expect(result.status == 0, "requests go on while the database is down: \(result)")
        }
        try await postgres.run(["start"])
        let events = try await rig.events(atLeast: before + 10)
        for index in 0..<5 {
            let name = "during-outage-\(index)"
            let stages = events.filter { $0["name"] == .string(name) }.compactMap { $0["stage"]?.stringValue }
            #expect(stages.sorted() == ["RequestReceived", "ResponseComplete"], "\(name): \(stages)")
        }
        let ids = events.compactMap { e -> String? in
            guard let id = e["auditID"]?.stringValue, let stage = e["stage"]?.stringValue else { return nil }
            return id + stage
        }
        #expect(Set(ids).count == ids.count, "no event arrived twice")
        let verify = await (try ChildProcess(Repository.product("kubetrail"), ["verify", "--database-url", rig.databaseURL])).wait(timeout: .seconds(60))
        #expect(verify.status == 0, "\(verify)")
    }
}
