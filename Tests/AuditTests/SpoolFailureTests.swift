import Audit
import Foundation
import Testing

/// A spool that runs out of disk: `record` fails closed, nothing already taken is lost, and the
/// pipeline recovers by itself once there is room again. A real full file system (a tiny tmpfs),
/// so it needs root, as CI has.
@Suite(.enabled(if: getuid() == 0 && TestDatabase.enabled), .serialized) struct SpoolFailureTests {
    @Test func aFullDiskFailsClosedAndRecovers() async throws {
        let mountPoint = NSTemporaryDirectory() + "kubetrail-full-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mounted = try Subprocess.run("/bin/mount", ["-t", "tmpfs", "-o", "size=96k", "tmpfs", mountPoint])
        try #require(mounted.status == 0, "mount: \(mounted.output)")
        defer {
            _ = try? Subprocess.run("/bin/umount", [mountPoint])
            try? FileManager.default.removeItem(atPath: mountPoint)
        }

        let pipeline = try Fixtures.pipeline(mountPoint, durability: .strict, checkpointEvery: 1000)
        await pipeline.start()
        let events = Fixtures.events(2000)
        var accepted = 0
        var failure: AuditPipelineError?
        for event in events {
            do {
                try await pipeline.record(event)
                accepted += 1
            } catch let error as AuditPipelineError {
                failure = error
                break
            }
        }
        guard case .spoolUnavailable(let why)? = failure else {
            Issue.record("the spool never filled up: \(accepted) events accepted")
            return
        }
        #expect(why.contains("No space left on device"), "\(why)")
        #expect(accepted > 10)
        // Failing closed: the next event is refused at once, whatever it is.
        await #expect(throws: AuditPipelineError.self) { try await pipeline.record(events[1999]) }
        #expect(await pipeline.health != .healthy)

        // Room again: the pipeline writes what it kept and takes events again by itself.
        let grown = try Subprocess.run("/bin/mount", ["-o", "remount,size=16m", mountPoint])
        try #require(grown.status == 0, "remount: \(grown.output)")
        try await waitUntil(timeout: .seconds(10)) { await pipeline.health == .healthy }
        for event in events[1500..<1600] { try await pipeline.record(event) }
        await pipeline.shutdown()
        let chained = await pipeline.nextSeq - 1

        try await TestDatabase.withFresh { url in
            let shipped = try await Fixtures.recordAndShip([], spool: mountPoint, url: url)
            #expect(shipped == chained)
            #expect(chained >= UInt64(accepted + 100))
            let report = try await url.withClient { try await ChainVerifier(client: $0).verify() }
            #expect(report.isIntact, "\(report.damages)")
            #expect(report.eventsValid == Int(chained))
        }
    }
}
