import Foundation
import KubeAPI
import KubetrailTestSupport
import Testing

/// SIGHUP and changed certificate files reload a running `kubetrail proxy` without dropping a
/// connection; a bad configuration is refused and the running one kept.
@Suite(.serialized) struct ReloadEndToEndTests {
    static let denyConfigMapWrites = """
            - name: no-configmap-writes
              groups: [dev]
              verbs: [create]
              resources: [configmaps]
        """

    @Test func sighupReloadsThePolicyAndAnOpenWatchKeepsStreaming() async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        let watch = try rig.kubectlInBackground("alice", ["get", "configmaps", "--watch", "--output", "name"])
        defer { watch.signal(SIGKILL) }
        #expect(try await rig.kubectl("alice", ["create", "configmap", "before"]).status == 0)
        try await Self.waitFor("the watch to show configmap/before") { watch.output().contains("configmap/before") }

        // A configuration that does not load is refused, named, and the running one kept.
        let configPath = rig.directory + "/proxy.yaml"
        let good = try String(contentsOfFile: configPath, encoding: .utf8)
        try good.replacing("  deny:\n", with: "  deny:\n    - name: broken\n      verbz: [get]\n").write(toFile: configPath, atomically: true, encoding: .utf8)
        rig.proxy.signal(SIGHUP)
        try await Self.waitFor("the refused reload to be logged") { rig.proxy.errors().contains("configuration not reloaded") }
        #expect(rig.proxy.errors().contains("proxy.yaml: policy.deny[0]"), "\(rig.proxy.errors())")
        #expect(try await rig.kubectl("alice", ["create", "configmap", "still-allowed"]).status == 0)

        // A good one takes effect for the next request, without a restart.
        try good.replacing("  deny:\n", with: "  deny:\n" + Self.denyConfigMapWrites + "\n").write(toFile: configPath, atomically: true, encoding: .utf8)
        rig.proxy.signal(SIGHUP)
        try await Self.waitFor("the reload to be logged") { rig.proxy.errors().contains("configuration reloaded") }
        let refused = try await rig.kubectl("alice", ["create", "configmap", "after"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("is forbidden"), "\(refused)")
        #expect(try await rig.kubectl("olga", ["create", "configmap", "by-olga"]).status == 0)

        // The watch opened before both reloads still streams, on its first connection.
        try await Self.waitFor("the open watch to show configmap/by-olga") { watch.output().contains("configmap/by-olga") }
        var status: Int32 = 0
        #expect(waitpid(watch.pid, &status, WNOHANG) == 0, "the watch ended: \(watch.errors())")
        let events = try await rig.events(atLeast: 1)
        let denial = try #require(events.first { $0["verb"] == "create" && $0["name"] == "after" && $0["stage"] == "ResponseComplete" })
        #expect(denial["decision"] == "deny")
        #expect(denial["rule"] == "deny[0] no-configmap-writes")
        let watches = events.filter { $0["verb"] == "watch" && $0["user"] == "alice" && $0["stage"] == "RequestReceived" }
        #expect(watches.count == 1, "the watch reconnected: \(watches.count) watch requests")
    }

    @Test func aNewServerCertificateFileIsServedWithoutSIGHUP() async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        let watch = try rig.kubectlInBackground("alice", ["get", "configmaps", "--watch", "--output", "name"])
        defer { watch.signal(SIGKILL) }
        let port = try #require(rig.proxyURL.split(separator: ":").last.map(String.init))
        let before = try await Self.servedSerial(port: port)
        #expect(before == (try await Self.fileSerial(rig.directory + "/tls/server.crt")))

        // A renewal as cert-manager would do it: new files renamed over the old ones.
        _ = try await ProxyRig.run(Repository.product("kubetrail"), ["ca", "server", "--dir", rig.directory + "/ca", "--host", "127.0.0.1",
                                                                      "--out", rig.directory + "/tls-next"])
        let next = try await Self.fileSerial(rig.directory + "/tls-next/server.crt")
        #expect(next != before)
        for name in ["server.key", "server.crt"] {
            #expect(rename(rig.directory + "/tls-next/" + name, rig.directory + "/tls/" + name) == 0)
        }
        var served = before
        for _ in 0..<60 where served != next {
            try await Task.sleep(for: .milliseconds(250))
            served = try await Self.servedSerial(port: port)
        }
        #expect(served == next, "the proxy still serves the old certificate")
        #expect(rig.proxy.errors().contains("configuration reloaded"))
        #expect(try await rig.kubectl("alice", ["create", "configmap", "after-renewal"]).status == 0)
        try await Self.waitFor("the open watch to show configmap/after-renewal") { watch.output().contains("configmap/after-renewal") }
    }

    static func waitFor(_ what: String, _ condition: () throws -> Bool) async throws {
        for _ in 0..<80 {
            if try condition() { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw TestFailure("timed out waiting for \(what)")
    }

    /// The serial of the certificate the proxy presents to a new connection.
    static func servedSerial(port: String) async throws -> String {
        let shown = try await ProxyRig.run("/bin/sh", ["-c", "openssl s_client -connect 127.0.0.1:\(port) </dev/null 2>/dev/null | openssl x509 -noout -serial"])
        return shown.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func fileSerial(_ path: String) async throws -> String {
        try await ProxyRig.run("openssl", ["x509", "-noout", "-serial", "-in", path]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension ProxyRig {
    /// kubectl as `user`, left running (a watch); the caller ends it.
    func kubectlInBackground(_ user: String, _ arguments: [String]) throws -> ChildProcess {
        try ChildProcess("kubectl", ["--kubeconfig", directory + "/\(user)/kubeconfig", "--cache-dir", directory + "/cache-\(user)"] + arguments)
    }
}
