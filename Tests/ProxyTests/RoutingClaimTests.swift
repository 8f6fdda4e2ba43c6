import Audit
import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
@testable import Proxy
import Synchronization
import Testing

/// A reload retires a replaced cluster's pool once no request uses it. A request must count as
/// using it from the moment it takes its routing, not only once it has authenticated: a reload
/// in between would otherwise close the pool under it (a 502 for a request the policy allowed).
@Suite struct RoutingClaimTests {
    static func hooks() -> ProxyPolicyHooks {
        ProxyPolicyHooks(
            authenticate: { _, _ in .success(AuthenticatedCaller(user: "alice", groups: [], method: .x509, credentialID: nil)) },
            authorize: { _, _, _ in AccessDecision(allowed: true, rule: "test", reason: "") },
            impersonation: { _ in .success(nil) },
            mayImpersonate: { _, _, _ in AccessDecision(allowed: false, rule: "test", reason: "") },
            auditLevel: { _, _, _ in RequestAuditLevel(level: .metadata) })
    }

    @Test func theClusterCountsFromTheMomentTheRoutingIsTaken() async throws {
        let spool = NSTemporaryDirectory() + "kubetrail-claim-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let pipeline = try AuditPipeline(configuration: .init(spoolDirectory: spool), identity: try WriterIdentity.loadOrCreate(in: spool))
        let old = try UpstreamCluster(name: "emu", server: "https://127.0.0.1:1", caCertificates: [])
        let replacement = try UpstreamCluster(name: "emu", server: "https://127.0.0.1:2", caCertificates: [])
        let core = ProxyCore(clusters: [old], hooks: Self.hooks(), pipeline: pipeline)

        let claimed = core.claimRouting(forCluster: "emu")
        #expect(claimed.cluster === old && old.activeRequests == 1)
        // A reload lands before the request has authenticated: the old pool still counts it.
        let replaced = core.replace(with: .init(clusters: [replacement], hooks: Self.hooks(), onAuditFailure: .deny))
        #expect(replaced.clusters["emu"] === old)
        #expect(old.activeRequests == 1 && replacement.activeRequests == 0)
        #expect(claimed.routing.clusters["emu"] === old, "the request keeps the routing it started with")

        // The next request takes the new routing; an unknown or missing cluster claims nothing.
        let next = core.claimRouting(forCluster: "emu")
        #expect(next.cluster === replacement && replacement.activeRequests == 1)
        #expect(core.claimRouting(forCluster: "nowhere").cluster == nil && core.claimRouting(forCluster: nil).cluster == nil)
        claimed.cluster?.requestFinished()
        next.cluster?.requestFinished()
        #expect(old.activeRequests == 0 && replacement.activeRequests == 0)
        try await old.shutdown()
        try await replacement.shutdown()
    }

    /// Through the request handler: while a request waits on authentication, a reload replaces
    /// its cluster; the old pool still counts the request, and stops counting it when it ends.
    @Test func aRequestWaitingOnAuthenticationHoldsItsPool() async throws {
        let spool = NSTemporaryDirectory() + "kubetrail-claim-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let pipeline = try AuditPipeline(configuration: .init(spoolDirectory: spool), identity: try WriterIdentity.loadOrCreate(in: spool))
        await pipeline.start()
        // Once authenticated the request is denied (403), so it ends without going upstream.
        let old = try UpstreamCluster(name: "emu", server: "https://127.0.0.1:1", caCertificates: [])
        let replacement = try UpstreamCluster(name: "emu", server: "https://127.0.0.1:1", caCertificates: [])
        let (gate, open) = AsyncStream<Void>.makeStream()
        let entered = Counter()
        var hooks = Self.hooks()
        let allow = hooks.authenticate
        hooks.authenticate = { facts, headers in
            entered.increment()
            for await _ in gate { break }
            return await allow(facts, headers)
        }
        hooks.authorize = { _, _, _ in AccessDecision(allowed: false, rule: "test", reason: "denied by the test") }
        let core = ProxyCore(clusters: [old], hooks: hooks, pipeline: pipeline)
        let channel = NIOAsyncTestingChannel()
        try await channel.pipeline.addHandler(RequestBodyIntake())
        try await channel.pipeline.addHandler(ProxyRequestHandler(core: core, facts: ConnectionFacts(peerCertificateChain: [], remoteAddress: "127.0.0.1", connectionID: "c-1")))
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6443))
        try await channel.writeInbound(HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/clusters/emu/api/v1/namespaces")))
        try await channel.writeInbound(HTTPServerRequestPart.end(nil))

        try await Self.waitUntil { entered.value == 1 }
        #expect(old.activeRequests == 1, "counted before authentication ends")
        core.replace(with: .init(clusters: [replacement], hooks: hooks, onAuditFailure: .deny))
        #expect(old.activeRequests == 1 && replacement.activeRequests == 0)

        open.yield()
        open.finish()
        try await Self.waitUntil {
            await channel.testingEventLoop.run()
            return old.activeRequests == 0
        }
        #expect(replacement.activeRequests == 0)
        await pipeline.shutdown()
        try await old.shutdown()
        try await replacement.shutdown()
    }

    static func waitUntil(_ condition: () async -> Bool) async throws {
        for _ in 0..<1000 {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("timed out after 10 s")
    }
}

/// A count shared with the hooks' tasks.
final class Counter: Sendable {
    private let count = Atomic(0)
    var value: Int { count.load(ordering: .relaxed) }
    func increment() { count.add(1, ordering: .relaxed) }
}
