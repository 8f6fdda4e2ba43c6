import Audit
import AuditSynthetic
import Foundation
import KubetrailTestSupport
import PostgresNIO
import SessionRecording
import Testing

/// The chunk index's expression (migrations/0004): right on what the pipeline writes, and
/// never an error on anything else, since an error would refuse the audit row it indexes.
@Suite(.enabled(if: TestDatabase.enabled)) struct ChunkIndexTests {
    @Test func readsTheFirstOffsetOfStoredChunksAndNULLForGarbage() async throws {
        try await Self.reporting { try await TestDatabase.withFresh { url in
            var session = SyntheticSession(startedAt: Date().addingTimeInterval(-60))
            // Extras with everything in front of the annotations: user extras, an impersonated user, a status.
            session.user = "olga"
            var events = session.events(SyntheticSession.terminalOutput(duration: 20_000_000, interval: 100_000, bytesPerFrame: 3000))
            for i in events.indices {
                events[i].user.extra = ["scopes": ["a", "b"], "team": ["payments"]]
                events[i].impersonatedUser = UserInfo(username: "svc", uid: "42", groups: ["g1", "g2"], extra: ["k": ["v"]])
                events[i].responseStatus = ResponseStatus(code: 101, status: "Success", reason: "Upgrade", message: "switching")
            }
            _ = try await Fixtures.recordAndShip(events, spool: try TemporaryDirectory().path, url: url)
            try await url.withClient { client in
                var checked = 0
                let rows = try await client.query("""
                    SELECT kubetrail.session_chunk_offset(extras), extras FROM kubetrail.audit_events
                    WHERE kind = 'session_chunk' ORDER BY seq
                    """)
                let expected = events.filter { $0.kind == .sessionChunk }.map { Int64($0.annotations[SessionAnnotation.firstOffset] ?? "") }
                var samples: [[UInt8]] = []
                for try await (offset, extras) in rows.decode((Int64?, ByteBuffer).self) {
                    #expect(offset == expected[checked], "chunk \(checked)")
                    checked += 1
                    if samples.count < 3 { samples.append(Array(buffer: extras)) }
                }
                #expect(checked == expected.count && checked > 10)

                // Truncations, flipped bytes and random bytes: NULL or a number, never an error.
                var rng = AuditSynthetic.SplitMix64(seed: 3)
                var hostile: [[UInt8]] = []
                for sample in samples {
                    hostile += (0..<sample.count).map { Array(sample.prefix($0)) }
                    for _ in 0..<300 {
                        var mutated = sample
                        mutated[Int(rng.next() % UInt64(sample.count))] = UInt8(truncatingIfNeeded: rng.next())
                        hostile.append(mutated)
                    }
                }
                hostile += (0..<300).map { _ in (0..<Int(rng.next() % 80)).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
                hostile += [[1, 0xFF, 0xFF, 0xFF, 0xFF], [1, 0, 0, 0, 0, 1, 0x7F, 0xFF, 0xFF, 0xFF]]
                let answered = try await Self.reporting { try await client.query("SELECT count(*) FROM unnest(\(hostile.map { ByteBuffer(bytes: $0) })::bytea[]) AS e WHERE kubetrail.session_chunk_offset(e) IS NULL OR kubetrail.session_chunk_offset(e) IS NOT NULL") }
                for try await count in answered.decode(Int64.self) { #expect(count == Int64(hostile.count)) }
            }
        } }
    }

    /// PostgreSQL's own message when a statement fails (postgres-nio's description hides it).
    static func reporting<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as PSQLError {
            throw PostgresTestError(description: String(reflecting: error))
        }
    }
}
