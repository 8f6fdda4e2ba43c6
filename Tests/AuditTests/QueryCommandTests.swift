import Audit
import Foundation
import Testing

/// The `query` and `export` commands as an auditor runs them.
@Suite(.enabled(if: TestDatabase.enabled)) struct QueryCommandTests {
    static func urlText(_ url: DatabaseURL) -> String {
        "postgres://\(url.username):\(url.password ?? "")@\(url.host):\(url.port)/\(url.database)?sslmode=disable"
    }

    @Test func pagesExportsAndErrors() async throws {
        try await TestDatabase.withFresh { url in
            let events = QueryTests.trail
            _ = try await Fixtures.recordAndShip(events, spool: try TemporaryDirectory().path, url: url)
            let db = Self.urlText(url)

            // A full page says how to continue; the continuation starts where the page stopped.
            let first = try runKubetrail(["query", "--database-url", db, "--limit", "150", "--format", "json"])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.split(separator: "\n").count == 150)
            let cursor = try #require(first.stderr.components(separatedBy: "--after ").last?.trimmingCharacters(in: .whitespacesAndNewlines))
            let rest = try runKubetrail(["query", "--database-url", db, "--limit", "1000", "--after", cursor, "--format", "json"])
            #expect(rest.stdout.split(separator: "\n").count == events.count - 150)
            let ids = (first.stdout + rest.stdout).split(separator: "\n").map { line -> String in
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                return object?["auditID"] as? String ?? ""
            }
            #expect(Set(ids).count == events.count)

            // Export to a file as audit.k8s.io/v1 events.
            let file = try TemporaryDirectory().path + "-export.jsonl"
            defer { try? FileManager.default.removeItem(atPath: file) }
            let export = try runKubetrail(["export", "--database-url", db, "--since", "2026-01-01T00:00:00Z", "--until", "2027-01-01T00:00:00Z", "--format", "k8s-audit", "--output", file])
            #expect(export.status == 0, "\(export.stderr)")
            #expect(export.stderr.contains("exported \(events.count) events"))
            let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == events.count)
            let decoded = try lines.map { try JSONDecoder().decode(RecordFormatTests.K8sEvent.self, from: Data($0.utf8)) }
            #expect(decoded.allSatisfy { $0.apiVersion == "audit.k8s.io/v1" })
            // Oldest first.
            #expect(decoded.map(\.stageTimestamp) == decoded.map(\.stageTimestamp).sorted())

            // An empty result is not an error.
            let none = try runKubetrail(["query", "--database-url", db, "--user", "nobody-at-all"])
            #expect(none.status == 0 && none.stdout.isEmpty && none.stderr.contains("no events match"))

            // Bad filters say what is wrong.
            for (arguments, message) in [
                (["query", "--since", "last tuesday"], "is not a time"),
                (["query", "--status", "6xx"], "is not a status"),
                (["query", "--decision", "maybe"], "--decision must be"),
                (["query", "--audit-id", "123"], "--audit-id must be a UUID"),
                (["query", "--since", "1h", "--until", "2h"], "must be before"),
                (["query", "--after", "garbage!"], "is not a cursor"),
                (["query", "--format", "xml"], "--format must be one of"),
                (["export", "--since", "7d"], "needs both --since and --until"),
            ] {
                let result = try runKubetrail(arguments + ["--database-url", db])
                #expect(result.status != 0, "\(arguments)")
                #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            }
        }
    }

    @Test func anUnreachableDatabaseIsAClearError() throws {
        let port = try PrivatePostgres.freePort()
        let result = try runKubetrail(["query", "--database-url", "postgres://auditor:x@127.0.0.1:\(port)/trail?sslmode=disable"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("cannot connect to the database at postgres://auditor:***@127.0.0.1:\(port)/trail"), "\(result.stderr)")
        #expect(!result.stderr.contains(":x@"))
    }
}
