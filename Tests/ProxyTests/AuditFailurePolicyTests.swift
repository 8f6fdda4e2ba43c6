import Audit
import Foundation
import KubeAPI
import NIOCore
import NIOEmbedded
import NIOHTTP1
@testable import Proxy
import Testing

/// When an event cannot be recorded, a request is refused or let through according to the
/// `on_audit_failure` of the configuration it started under, not whatever a reload put in place
/// since: a request that began under `deny` is not let through unrecorded.
@Suite struct AuditFailurePolicyTests {
    @Test func theRequestsOwnPolicyDecides() async throws {
        let spool = NSTemporaryDirectory() + "kubetrail-policy-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: spool) }
        // A pipeline that was shut down refuses every event: recording fails.
        let pipeline = try AuditPipeline(configuration: .init(spoolDirectory: spool), identity: try WriterIdentity.loadOrCreate(in: spool))
        await pipeline.start()
        await pipeline.shutdown()
        let hooks = RoutingClaimTests.hooks()
        let core = ProxyCore(clusters: [], hooks: hooks, pipeline: pipeline, onAuditFailure: .deny)
        let event = AuditEvent(stage: .requestReceived, verb: "get", requestURI: "/clusters/emu/api", user: UserInfo(username: "alice"),
                               requestReceivedTimestamp: Date(), stageTimestamp: Date(), cluster: "emu")
        #expect(await core.recorded(event) == false, "the shut-down pipeline records nothing")

        let channel = NIOAsyncTestingChannel()
        func exchange(_ policy: ProxyCore.OnAuditFailure) -> ProxyExchange {
            ProxyExchange(
                core: core, routing: .init(clusters: [], hooks: hooks, onAuditFailure: policy), cluster: nil,
                route: .success(ClusterRoute(cluster: "emu", upstreamTarget: "/api")),
                facts: ConnectionFacts(peerCertificateChain: [], remoteAddress: "127.0.0.1", connectionID: "c-1"),
                head: HTTPRequestHead(version: .http1_1, method: .GET, uri: "/clusters/emu/api"), body: RequestBody(),
                writer: ChannelResponseWriter(channel: channel, version: .http1_1, keepAlive: true))
        }
        // The core's current policy is deny; each request follows its own.
        #expect(await exchange(.allow).record(event, omitting: []) == true)
        #expect(await exchange(.deny).record(event, omitting: []) == false)
        core.replace(with: .init(clusters: [], hooks: hooks, onAuditFailure: .allow))
        #expect(await exchange(.deny).record(event, omitting: []) == false, "a reload to allow does not let a deny request through")
        // An omitted stage is not recorded, so it cannot fail.
        #expect(await exchange(.deny).record(event, omitting: [event.stage]) == true)
    }
}
