import Foundation
import KubeAPI
import KubetrailTestSupport
import Testing

/// An expired client certificate is refused with 401 and audited (its own suite: it waits out
/// the authenticator's 30 s clock-skew allowance while the other suites run).
@Suite(.serialized) struct ExpiredCertificateTests {
    @Test func anExpiredCertificateGets401AndIsAudited() async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        _ = try await ProxyRig.run(Repository.product("kubetrail"), ["ca", "issue", "--dir", rig.directory + "/ca", "--user", "eve",
                                                                    "--group", "dev", "--ttl", "1s", "--cluster", "emu",
                                                                    "--server", rig.proxyURL, "--out", rig.directory + "/eve"])
        try await Task.sleep(for: .seconds(32))
        let expired = try await rig.kubectl("eve", ["get", "pods"])
        #expect(expired.status != 0)
        // kubectl's words for a 401.
        #expect(expired.stderr.contains("the server has asked for the client to provide credentials"), "\(expired)")
        let events = try await rig.events(atLeast: 1)
        let refusal = try #require(events.first { $0["decision"] == "unauthenticated" })
        #expect(refusal["status"] == .int(401))
        #expect((refusal["rule"]?.stringValue ?? "").hasPrefix("client certificate"), "\(refusal)")
        #expect(!events.contains { $0["user"] == "eve" && $0["decision"] == "allow" })
        #expect(try rig.emulator.requestLog().filter { $0[path: ["impersonated", "user"]] == "eve" }.isEmpty, "nothing reached the cluster as eve")
    }
}
