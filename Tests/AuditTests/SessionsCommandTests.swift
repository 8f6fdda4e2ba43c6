import Audit
import Foundation
import Testing

/// `kubetrail sessions` over a trail written through the pipeline (SessionTrailFixture).
@Suite(.enabled(if: TestDatabase.enabled)) struct SessionsCommandTests {
    typealias F = SessionTrailFixture

    func sessions(_ db: String, _ arguments: [String]) throws -> [[String: Any]] {
        let result = try runKubetrail(["sessions", "--database-url", db, "--format", "json"] + arguments)
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        return result.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func listsBothKindsAndFilters() async throws {
        try await TestDatabase.withFresh { url in
            _ = try await Fixtures.recordAndShip(F.events, spool: try TemporaryDirectory().path, url: url)
            let db = QueryCommandTests.urlText(url)

            let all = try sessions(db, [])
            #expect(all.map { $0["id"] as? String } == [F.live.id, "conn-b", F.attach.id, F.exec.id, "run-a"], "newest first: \(all)")
            let byID = Dictionary(uniqueKeysWithValues: all.map { ($0["id"] as? String ?? "", $0) })

            let exec = try #require(byID[F.exec.id])
            #expect(exec["kind"] as? String == "exec")
            #expect(exec["user"] as? String == "alice")
            #expect(exec["cluster"] as? String == "emu")
            #expect(exec["target"] as? String == "default/web: sh")
            #expect(exec["outcome"] as? String == "exit 3")
            #expect(exec["exitCode"] as? Int == 3)
            #expect(exec["durationMicroseconds"] as? Int == 30_601_000)
            #expect(exec["bytesIn"] as? Int == 3 + 25, "typed bytes and the resize")
            #expect(exec["bytesOut"] as? Int == 12 + 20)

            let attach = try #require(byID[F.attach.id])
            #expect(attach["kind"] as? String == "attach")
            #expect(attach["outcome"] as? String == "client closed")
            #expect(attach["exitCode"] == nil)

            let live = try #require(byID[F.live.id])
            #expect(live["outcome"] as? String == "live")
            #expect(live["durationMicroseconds"] is NSNull)

            let run = try #require(byID["run-a"])
            #expect(run["kind"] as? String == "api")
            #expect(run["requests"] as? Int == 2, "the get and the exec request of one kubectl run")
            #expect(run["target"] as? String == "kubectl exec")
            #expect(run["outcome"] as? String == "2 requests")
            #expect(run["start"] as? String == "2026-09-21T14:14:18.000000Z")

            let connection = try #require(byID["conn-b"])
            #expect(connection["user"] as? String == "bob")
            #expect(connection["requests"] as? Int == 2)
            #expect(connection["outcome"] as? String == "2 requests, 1 denied")
            #expect(connection["bytesOut"] as? Int == 200)

            #expect(try sessions(db, ["--kind", "api"]).map { $0["id"] as? String } == ["conn-b", "run-a"])
            #expect(try sessions(db, ["--kind", "exec", "--kind", "attach"]).map { $0["id"] as? String } == [F.live.id, F.attach.id, F.exec.id])
            #expect(try sessions(db, ["--kind", "attach"]).map { $0["id"] as? String } == [F.attach.id])
            #expect(try sessions(db, ["--user", "bob"]).map { $0["id"] as? String } == ["conn-b", F.attach.id])
            #expect(try sessions(db, ["--cluster", "prod"]).map { $0["id"] as? String } == ["conn-b", F.attach.id])
            let window = ["--since", "2026-09-21T14:18:20Z", "--until", "2026-09-21T14:25:20Z"]
            #expect(try sessions(db, window).map { $0["id"] as? String } == ["conn-b", F.attach.id], "t0+300 s to t0+720 s")
            #expect(try sessions(db, ["--limit", "2"]).count == 2)

            let table = try runKubetrail(["sessions", "--database-url", db, "--format", "table", "--kind", "exec"])
            let lines = table.stdout.split(separator: "\n")
            #expect(lines.first?.hasPrefix("ID ") == true && lines.first?.hasSuffix("OUTCOME") == true, "\(table.stdout)")
            #expect(lines.contains { $0.hasPrefix(F.exec.id) && $0.contains("exit 3") && $0.contains("30.6s") }, "\(table.stdout)")

            let none = try runKubetrail(["sessions", "--database-url", db, "--user", "nobody"])
            #expect(none.status == 0 && none.stdout.isEmpty && none.stderr.contains("no sessions match"))
            for (arguments, message) in [(["--kind", "shell"], "--kind must be exec, attach, portforward or api"),
                                         (["--format", "csv"], "--format must be table or json"),
                                         (["--since", "1h", "--until", "2h"], "must be before")] {
                let result = try runKubetrail(["sessions", "--database-url", db] + arguments)
                #expect(result.status != 0, "\(arguments)")
                #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            }
        }
    }
}
