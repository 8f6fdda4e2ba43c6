import KubetrailTestSupport
import Audit
import Foundation
import PostgresNIO
import Testing

/// A writer killed with SIGKILL mid-stream: every event it acknowledged (strict mode) is shipped
/// after a restart, and the trail verifies.
@Suite(.enabled(if: TestDatabase.enabled)) struct CrashRecoveryTests {
    @Test func acknowledgedEventsSurviveAKill() async throws {
        let spool = try TemporaryDirectory()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repository.product("kubetrail-bench"))
        process.arguments = ["spool-writer", "--spool", spool.path, "--events", "1000000", "--producers", "8", "--durability", "strict"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()

        // Read acknowledgements until a few hundred are in, then kill without warning.
        var acked: Set<UUID> = []
        var buffer = Data()
        let handle = out.fileHandleForReading
        while acked.count < 500 {
            let chunk = handle.availableData
            guard !chunk.isEmpty else { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: 0x0a) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                if line.hasPrefix("acked "), let id = UUID(uuidString: String(line.dropFirst(6))) { acked.insert(id) }
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(acked.count >= 500)

        try await TestDatabase.withFresh { url in
            // The restarted writer recovers the spool and ships it.
            let shipped = try await Fixtures.recordAndShip([], spool: spool.path, url: url)
            #expect(shipped >= UInt64(acked.count))
            try await url.withClient { client in
                var stored: Set<UUID> = []
                for try await id in try await client.query("SELECT audit_id FROM kubetrail.audit_events").decode(UUID.self) { stored.insert(id) }
                #expect(acked.isSubset(of: stored), "\(acked.subtracting(stored).count) acknowledged events lost")
                let seqs = try await client.scalar("SELECT count(DISTINCT seq) = count(*) AND max(seq) = count(*) FROM kubetrail.audit_events", as: Bool.self)
                #expect(seqs)
            }
            let report = try await url.withClient { try await ChainVerifier(client: $0).verify() }
            #expect(report.isIntact, "\(report.damages)")
        }
    }
}
