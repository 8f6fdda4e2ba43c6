import Foundation
import KubeAPI
import KubetrailTestSupport
import Testing

/// The admin listener of a real `kubetrail proxy`: Prometheus metrics that count what kubectl
/// did, health, and readiness that follows the audit spool.
@Suite(.serialized) struct AdminEndToEndTests {
    @Test func metricsCountWhatKubectlDid() async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        #expect(try await rig.kubectl("alice", ["get", "pods"]).status == 0)
        #expect(try await rig.kubectl("alice", ["get", "configmaps"]).status == 0)
        #expect(try await rig.kubectl("bob", ["get", "pods"]).status != 0)
        _ = try await rig.events(atLeast: 4)

        // The cluster's version is learned in the background: wait until requests carry it.
        var metrics = PrometheusText("")
        for _ in 0..<40 {
            metrics = PrometheusText(try await rig.admin("/metrics").body)
            if metrics.sum("proxy_audit_events_shipped_total") >= 4,
               metrics.sum("proxy_request_duration_seconds_count", ["cluster": "emu", "cluster_version": "v1.36.0", "verb": "list", "code": "200"]) >= 2 { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(metrics.sum("proxy_request_duration_seconds_count", ["cluster": "emu", "cluster_version": "v1.36.0", "verb": "list", "code": "200"]) >= 2,
                "\(metrics.text)")
        #expect(metrics.sum("proxy_request_duration_seconds_bucket", ["cluster": "emu", "verb": "list", "code": "200", "le": "+Inf"]) >= 2)
        // bob has no role: his requests are 403 denials naming the deciding rule.
        #expect(metrics.sum("proxy_request_duration_seconds_count", ["cluster": "emu", "code": "403"]) >= 1)
        #expect(metrics.sum("proxy_authorization_denials_total", ["cluster": "emu", "rule": "default-deny"]) >= 1)
        #expect(metrics.sum("proxy_identity_validation_seconds_count", ["method": "x509", "result": "ok"]) >= 3)
        // Two kubectl runs of several requests each over pooled connections: at least one new
        // connection (a miss), the rest reuse one (hits), and the pool still holds it.
        let misses = metrics.sum("proxy_connection_pool_misses_total", ["cluster": "emu"])
        let hits = metrics.sum("proxy_connection_pool_hits_total", ["cluster": "emu"])
        let forwarded = metrics.sum("proxy_request_duration_seconds_count", ["cluster": "emu", "code": "200"])
        #expect(misses >= 1)
        #expect(hits >= 1)
        #expect(hits + misses == forwarded, "hits \(hits) + misses \(misses) != forwarded \(forwarded)")
        #expect(metrics.sum("proxy_pool_active_connections", ["cluster": "emu"]) >= 1)
        // Every pooled connection the proxy opened is timed (connect, TLS and ALPN together); the
        // version lookup at start may open one no request has claimed yet.
        let timedConnections = metrics.sum("proxy_upstream_pool_connect_seconds_count", ["cluster": "emu"])
        #expect(timedConnections >= 1 && timedConnections >= misses, "timed \(timedConnections), misses \(misses)")
        #expect(metrics.sum("proxy_upstream_pool_connect_seconds_sum", ["cluster": "emu"]) > 0)
        #expect(metrics.sum("proxy_requests_in_flight") == 0)
        #expect(metrics.sum("proxy_audit_events_recorded_total") >= metrics.sum("proxy_audit_events_shipped_total"))
        #expect(metrics.text.contains("\nproxy_audit_shipper_lag_events "), "the shipper's lag is reported")
        #expect(metrics.sum("proxy_audit_spool_writable") == 1)
        #expect(metrics.sum("proxy_audit_database_up") == 1)
        #expect(metrics.text.contains("# HELP proxy_audit_shipper_lag_seconds"))

        let health = try await rig.admin("/healthz")
        #expect(health.code == 200 && health.body == "ok\n")
        #expect(try await rig.admin("/readyz").code == 200)
        #expect(try await rig.admin("/nothing-here").code == 404)
        #expect(try await rig.admin("/metrics", method: "POST").code == 405)
    }

    @Test func aWatchEndsUpstreamWhenItsClientLeaves() async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        let watch = try rig.kubectlInBackground("alice", ["get", "configmaps", "--watch", "--output", "name"])
        #expect(try await rig.kubectl("alice", ["create", "configmap", "seen"]).status == 0)
        try await ReloadEndToEndTests.waitFor("the watch to stream") { watch.output().contains("configmap/seen") }
        #expect(PrometheusText(try await rig.admin("/metrics").body).sum("proxy_requests_in_flight") == 1)

        watch.signal(SIGKILL)
        var inFlight = 1.0
        for _ in 0..<40 where inFlight > 0 {
            try await Task.sleep(for: .milliseconds(250))
            inFlight = PrometheusText(try await rig.admin("/metrics").body).sum("proxy_requests_in_flight")
        }
        #expect(inFlight == 0, "the watch kept running after its client left")
        let events = try await rig.events(atLeast: 1)
        let ended = events.first { $0["verb"] == "watch" && $0["stage"] == "ResponseComplete" }
        #expect(ended != nil, "no ResponseComplete for the abandoned watch")
    }

    @Test func aGigabyteLogPassesInConstantMemory() async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        let gigabyte = 1 << 30
        let whole = gigabyte / 100 * 100  // the emulator's log is whole 100-byte lines
        let pod = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"big","annotations":{"kube-emulator.kubetrail.dev/log-bytes":"\#(gigabyte)"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}"#
        #expect(try await rig.kubectl("alice", ["apply", "-f", "-"], stdin: pod).status == 0)
        #expect(try await rig.kubectl("alice", ["wait", "--for=condition=Ready", "pod/big", "--timeout=10s"]).status == 0)
        let before = try Self.residentKilobytes(rig.proxy.pid, "VmRSS")

        let fetched = await (try ChildProcess("curl", [
            "-sS", "--http2", "--cacert", rig.directory + "/ca/ca.crt", "--cert", rig.directory + "/alice/alice.crt",
            "--key", rig.directory + "/alice/alice.key", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
            rig.proxyURL + "/clusters/emu/api/v1/namespaces/default/pods/big/log",
        ])).wait(timeout: .seconds(300))
        #expect(fetched.stdout == "200 \(whole)", "\(fetched)")
        // Peak resident memory of the whole proxy process while the gigabyte went through it: a
        // proxy that held the answer would grow by the gigabyte. (Over AsyncHTTPClient's HTTP/2
        // streams a 256 MiB log once raised it by ~500 MB; logs and watches now use HTTP/1.1.)
        let peak = try Self.residentKilobytes(rig.proxy.pid, "VmHWM")
        print("proxy peak RSS growth while streaming \(whole) bytes: \(peak - before) kB")
        #expect(peak - before < 64 * 1024, "peak RSS grew from \(before) kB to \(peak) kB while streaming 1 GiB")
        let events = try await rig.events(atLeast: 1)
        let log = try #require(events.first { $0["subresource"] == "log" && $0["stage"] == "ResponseComplete" })
        #expect(log["bytesOut"] == .int(Int64(whole)))
    }

    static func residentKilobytes(_ pid: pid_t, _ field: String) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
              let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else {
            throw TestFailure("no \(field) in /proc/\(pid)/status")
        }
        return kilobytes
    }

    @Test func readinessFollowsTheSpool() async throws {
        let mount = try await TmpfsMount(size: "256k")
        defer { mount.remove() }
        let rig = try await ProxyRig.start(durability: "strict", spoolDirectory: mount.path)
        defer { rig.stopNow() }
        #expect(try await rig.kubectl("alice", ["get", "pods"]).status == 0)
        #expect(try await rig.admin("/readyz").code == 200)

        try await mount.fill()
        let notReady = try await rig.admin("/readyz")
        #expect(notReady.code == 503)
        #expect(notReady.body.contains("file system is full"), "\(notReady.body)")
        // Requests fail the spool too; the pipeline's own failure then shows in readiness and metrics.
        // (`where` skips a pass, it does not end the loop: stop at the first refusal.)
        var refused = false
        for _ in 0..<60 where !refused {
            refused = try await rig.kubectl("alice", ["get", "configmaps", "--request-timeout=20s"]).status != 0
        }
        #expect(refused, "the proxy kept forwarding with a full spool")
        #expect(try await rig.admin("/readyz").body.contains("audit spool cannot be written"))
        #expect(PrometheusText(try await rig.admin("/metrics").body).sum("proxy_audit_spool_writable") == 0)

        try mount.empty()
        var ready = false
        for _ in 0..<40 where !ready {
            _ = try await rig.kubectl("alice", ["get", "configmaps"])
            ready = try await rig.admin("/readyz").code == 200
            if !ready { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(ready, "not ready again once the spool had room")
    }
}

extension ProxyRig {
    /// The admin listener's base URL, from the proxy's start line.
    var adminBase: String {
        get throws {
            guard let match = proxy.output().firstMatch(of: #/admin (http://[0-9.:]+)/#) else {
                throw TestFailure("no admin address in the proxy's output: \(proxy.output())")
            }
            return String(match.output.1)
        }
    }

    /// A request to the admin listener with curl: status and body.
    func admin(_ path: String, method: String = "GET") async throws -> (code: Int, body: String) {
        let result = try await Self.run("curl", ["-s", "-X", method, "-w", "\n%{http_code}", try adminBase + path])
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }
}

/// Prometheus text exposition, read as samples.
struct PrometheusText {
    let text: String

    init(_ text: String) { self.text = text }

    /// The sum of the samples named `name` whose labels include all of `labels`.
    func sum(_ name: String, _ labels: [String: String] = [:]) -> Double {
        var total = 0.0
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            let metric = series.prefix { $0 != "{" }
            guard metric == name else { continue }
            var found: [String: String] = [:]
            if let open = series.firstIndex(of: "{") {
                for pair in series[series.index(after: open)...].dropLast().split(separator: ",") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    if parts.count == 2 { found[String(parts[0])] = String(parts[1].dropFirst().dropLast()) }
                }
            }
            if labels.allSatisfy({ found[$0.key] == $0.value }) { total += value }
        }
        return total
    }
}

/// A small tmpfs for a spool that can be filled up and emptied again (needs root, as CI has).
struct TmpfsMount {
    let path: String

    init(size: String) async throws {
        path = NSTemporaryDirectory() + "kubetrail-proxy-full-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        _ = try await ProxyRig.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path])
    }

    /// Writes zeros until the file system is full (dd stops at ENOSPC).
    func fill() async throws {
        _ = await (try ChildProcess("dd", ["if=/dev/zero", "of=\(path)/filler", "bs=4k"])).wait(timeout: .seconds(20))
    }

    func empty() throws { try FileManager.default.removeItem(atPath: path + "/filler") }

    func remove() {
        _ = try? FileManager.default.removeItem(atPath: path + "/filler")
        ProxyRig.runNow("/bin/umount", ["-l", path])
        try? FileManager.default.removeItem(atPath: path)
    }
}
