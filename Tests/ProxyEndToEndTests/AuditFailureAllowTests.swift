import Foundation
import KubeAPI
import KubetrailTestSupport
import Testing

/// `on_audit_failure: allow`: with the spool on a full file system, requests are still served
/// (unaudited, by the operator's explicit choice), and the proxy says so in its log.
@Suite(.serialized) struct AuditFailureAllowTests {
    @Test func aFullSpoolDoesNotStopRequests() async throws {
        let mount = try await TmpfsMount(size: "256k")
        defer { mount.remove() }
        let rig = try await ProxyRig.start(durability: "strict", spoolDirectory: mount.path, audit: "on_audit_failure: allow")
        defer { rig.stopNow() }
        #expect(try await rig.kubectl("alice", ["get", "pods"]).status == 0)
        try await mount.fill()
        for index in 0..<30 {
            let result = try await rig.kubectl("alice", ["create", "configmap", "while-full-\(index)", "--from-literal=a=b", "--request-timeout=20s"])
            #expect(result.status == 0, "request \(index) refused with on_audit_failure: allow: \(result)")
        }
        let created = try rig.emulator.requestLog().filter { $0["method"] == "POST" && $0["status"] == .int(201) }
        #expect(created.count == 30)
        #expect(rig.proxy.errors().contains("audit event not recorded") || rig.proxy.output().contains("audit event not recorded"),
                "the spool did fail (else this test proves nothing)")
    }
}
