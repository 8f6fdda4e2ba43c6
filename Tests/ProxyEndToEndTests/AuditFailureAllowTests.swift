import Foundation
import KubeAPI
import KubetrailTestSupport
import Testing

/// `on_audit_failure: allow`: with the spool on a full file system, requests are still served
/// (unaudited, by the operator's explicit choice), and the proxy says so in its log.
@Suite(.serialized) struct AuditFailureAllowTests {
    @Test func aFullSpoolDoesNotStopRequests() async throws {
        let mountPoint = NSTemporaryDirectory() + "kubetrail-proxy-allow-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        _ = try await ProxyRig.run("/bin/mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mountPoint])
        defer {
            _ = try? FileManager.default.removeItem(atPath: mountPoint + "/filler")
            ProxyRig.runNow("/bin/umount", ["-l", mountPoint])
            try? FileManager.default.removeItem(atPath: mountPoint)
        }
        let rig = try await ProxyRig.start(durability: "strict", spoolDirectory: mountPoint, audit: "on_audit_failure: allow")
        defer { rig.stopNow() }
        #expect(try await rig.kubectl("alice", ["get", "pods"]).status == 0)
        _ = await (try ChildProcess("dd", ["if=/dev/zero", "of=\(mountPoint)/filler", "bs=4k"])).wait(timeout: .seconds(20))
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
