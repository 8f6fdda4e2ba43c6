import Foundation
import KubeAPI
import KubetrailTestSupport
import Testing

/// Request bodies through a real `kubetrail proxy`: forwarded as they arrive with backpressure, read
/// whole only where the trail needs them first (a create's name, a level that stores bodies) and then
/// only up to kube-apiserver's 3 MiB; a client that leaves mid-body is in the trail.
@Suite(.serialized) struct RequestBodyEndToEndTests {
    func curl(_ rig: ProxyRig, _ arguments: [String], timeout: Duration = .seconds(300)) async throws -> ChildProcess.Result {
        await (try ChildProcess("curl", [
            "-sS", "--http2", "--cacert", rig.directory + "/ca/ca.crt", "--cert", rig.directory + "/alice/alice.crt",
            "--key", rig.directory + "/alice/alice.key", "-o", "/dev/null",
        ] + arguments)).wait(timeout: timeout)
    }

    /// A sparse file of `size` bytes (zeros), so the test itself holds nothing in memory.
    func sparseFile(_ rig: ProxyRig, _ size: Int) throws -> String {
        let path = rig.directory + "/upload-\(size)"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(size))
        try handle.close()
        return path
    }

    @Test func aGigabyteUploadStreamsThroughInConstantMemory() async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        let gigabyte = 1 << 30
        let file = try sparseFile(rig, gigabyte)
        let before = try AdminEndToEndTests.residentKilobytes(rig.proxy.pid, "VmRSS")

        // An update at the Metadata level: the proxy forwards the body as it comes. The emulator, like
        // kube-apiserver, reads it all and refuses it (413, over 3 MiB), so every byte crosses the proxy.
        let sent = try await curl(rig, ["-X", "PUT", "-T", file, "-H", "Content-Type: application/json", "-w", "%{http_code} %{size_upload}",
                                        rig.proxyURL + "/clusters/emu/api/v1/namespaces/default/configmaps/big"])
        #expect(sent.stdout == "413 \(gigabyte)", "\(sent)")
        let peak = try AdminEndToEndTests.residentKilobytes(rig.proxy.pid, "VmHWM")
        print("proxy peak RSS growth while forwarding a \(gigabyte)-byte request body: \(peak - before) kB")
        #expect(peak - before < 64 * 1024, "peak RSS grew from \(before) kB to \(peak) kB while forwarding 1 GiB")

        let events = try await rig.events { events in events.contains { $0["name"] == "big" && $0["stage"] == "ResponseComplete" } }
        let complete = try #require(events.first { $0["name"] == "big" && $0["stage"] == "ResponseComplete" })
        #expect(complete["status"] == .int(413))
        #expect(complete["bytesIn"] == .int(Int64(gigabyte)))
        let reached = try rig.emulator.requestLog().filter { $0["path"]?.stringValue?.hasSuffix("/configmaps/big") == true }
        #expect(reached.count == 1)
        #expect(reached.first?["requestBytes"] == .int(Int64(gigabyte)))
        #expect(reached.first?["auditID"] == complete["auditID"])
    }

    @Test func aCreateOverTheLimitIsRefusedAndRecordedWithoutReachingTheCluster() async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        // A create is read whole for its name, and kube-apiserver takes at most 3 MiB.
        let data = String(repeating: "x", count: 4 << 20)
        let body = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"huge"},"data":{"blob":"\#(data)"}}"#
        let path = rig.directory + "/huge.json"
        try body.write(toFile: path, atomically: true, encoding: .utf8)
        let sent = try await curl(rig, ["-X", "POST", "--data-binary", "@" + path, "-H", "Content-Type: application/json", "-w", "%{http_code}",
                                        rig.proxyURL + "/clusters/emu/api/v1/namespaces/default/configmaps"])
        #expect(sent.stdout == "413", "\(sent)")
        let events = try await rig.events { events in events.contains { $0["status"] == .int(413) } }
        let refused = try #require(events.first { $0["status"] == .int(413) })
        #expect(refused["verb"] == "create")
        #expect(refused["resource"] == "configmaps")
        #expect(refused["decision"] == "deny")
        #expect(refused["user"] == "alice")
        #expect(try rig.emulator.requestLog().filter { $0["verb"] == "create" }.isEmpty)
    }

    @Test func aClientThatLeavesMidUploadIsInTheTrail() async throws {
        let rig = try await ProxyRig.start()
        defer { rig.stopNow() }
        let size = 64 << 20
        let file = try sparseFile(rig, size)
        // curl gives up after 2 s of a slow upload and closes the connection mid-body.
        let sent = try await curl(rig, ["-X", "PUT", "-T", file, "--limit-rate", "1M", "--max-time", "2", "-H", "Content-Type: application/json",
                                        rig.proxyURL + "/clusters/emu/api/v1/namespaces/default/configmaps/slow"], timeout: .seconds(30))
        #expect(sent.status != 0)
        let events = try await rig.events { events in events.contains { $0["name"] == "slow" && $0["stage"] == "ResponseComplete" } }
        let complete = try #require(events.first { $0["name"] == "slow" && $0["stage"] == "ResponseComplete" })
        #expect(complete["status"] == .int(499), "\(complete)")
        let bytesIn = complete["bytesIn"]?.intValue ?? -1
        #expect(bytesIn > 0 && bytesIn < Int64(size), "bytesIn \(bytesIn)")
        // The cluster never got a whole request, so never answered one.
        #expect(try rig.emulator.requestLog().filter { $0["path"]?.stringValue?.hasSuffix("/configmaps/slow") == true }.isEmpty)
    }
}
