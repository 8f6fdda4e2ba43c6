import Audit
import Foundation
import Testing

/// `who` against a small trail whose counts were worked out by hand.
@Suite(.enabled(if: TestDatabase.enabled)) struct WhoTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)
    static let hour: TimeInterval = 3600

    static func event(_ user: String, _ cluster: String, _ verb: String, _ resource: String, at offset: TimeInterval,
                      kind: AuditEvent.Kind = .request, stage: AuditEvent.Stage = .responseComplete,
                      code: Int32 = 200, decision: AuditEvent.Decision = .allow, groups: [String] = ["system:authenticated"]) -> AuditEvent {
        let time = t0.addingTimeInterval(offset)
        return AuditEvent(
            kind: kind, stage: stage, verb: verb, requestURI: "/api/v1/namespaces/default/\(resource)",
            user: UserInfo(username: user, groups: groups), objectRef: ObjectReference(apiVersion: "v1", resource: resource, namespace: "default"),
            responseStatus: stage == .responseComplete ? ResponseStatus(code: code) : nil,
            requestReceivedTimestamp: time, stageTimestamp: time, cluster: cluster, decision: decision)
    }

    static var trail: [AuditEvent] {
        [
            event("alice", "prod", "get", "pods", at: 1 * hour - 1, stage: .requestReceived, groups: ["old-team"]),
            event("alice", "prod", "get", "pods", at: 1 * hour, groups: ["old-team"]),
            event("alice", "prod", "list", "pods", at: 2 * hour),
            event("alice", "prod", "delete", "pods", at: 3 * hour),
            event("alice", "prod", "create", "secrets", at: 4 * hour, code: 403, decision: .deny, groups: ["dev", "system:authenticated"]),
            event("alice", "prod", "create", "pods", at: 5 * hour, kind: .sessionStart, stage: .responseStarted, groups: ["dev", "system:authenticated"]),
            event("alice", "dev", "get", "pods", at: 24 * hour),
            event("bob", "prod", "patch", "deployments", at: 48 * hour),
            event("bob", "prod", "get", "deployments", at: 49 * hour),
            event("system:anonymous", "prod", "get", "pods", at: 50 * hour, code: 401, decision: .unauthenticated),
        ]
    }

    func who(_ url: DatabaseURL, _ narrow: (inout AuditFilter) -> Void = { _ in }) async throws -> [String: AccessSummary] {
        var filter = AuditFilter()
        narrow(&filter)
        return try await url.withClient { client in
            var rows: [String: AccessSummary] = [:]
            try await AccessSummaryQuery(filter: filter).run(on: client) { rows["\($0.user)@\($0.cluster)"] = $0 }
            return rows
        }
    }

    @Test func countsMatchTheHandCount() async throws {
        try await TestDatabase.withFresh { url in
            _ = try await Fixtures.recordAndShip(Self.trail, spool: try TemporaryDirectory().path, url: url)
            let all = try await who(url)
            #expect(Set(all.keys) == ["alice@prod", "alice@dev", "bob@prod"])

            let alice = try #require(all["alice@prod"])
            #expect(alice.requests == 4 && alice.writes == 2 && alice.denied == 1 && alice.sessions == 1)
            #expect(alice.firstAccess == Self.t0.addingTimeInterval(Self.hour - 1))
            #expect(alice.lastAccess == Self.t0.addingTimeInterval(5 * Self.hour))
            #expect(alice.groups == ["dev", "system:authenticated"])

            let aliceDev = try #require(all["alice@dev"])
            #expect(aliceDev.requests == 1 && aliceDev.writes == 0 && aliceDev.denied == 0 && aliceDev.sessions == 0)

            let bob = try #require(all["bob@prod"])
            #expect(bob.requests == 2 && bob.writes == 1 && bob.denied == 0 && bob.sessions == 0)
            #expect(bob.firstAccess == Self.t0.addingTimeInterval(48 * Self.hour))

            let prod = try await who(url) { $0.clusters = ["prod"] }
            #expect(Set(prod.keys) == ["alice@prod", "bob@prod"])
            let later = try await who(url) { $0.since = Self.t0.addingTimeInterval(24 * Self.hour) }
            #expect(Set(later.keys) == ["alice@dev", "bob@prod"])
            let window = try await who(url) { $0.since = Self.t0.addingTimeInterval(2 * Self.hour); $0.until = Self.t0.addingTimeInterval(4 * Self.hour) }
            #expect(window["alice@prod"]?.requests == 2 && window["alice@prod"]?.writes == 1 && window.count == 1)
            // The groups are those of the latest event the filters keep, not of the latest event overall.
            #expect(window["alice@prod"]?.groups == ["system:authenticated"])
            let first = try await who(url) { $0.until = Self.t0.addingTimeInterval(Self.hour + 1) }
            #expect(first["alice@prod"]?.groups == ["old-team"] && first["alice@prod"]?.requests == 1 && first.count == 1)
            let denied = try await who(url) { $0.decision = .deny }
            #expect(denied["alice@prod"]?.groups == ["dev", "system:authenticated"] && denied["alice@prod"]?.denied == 1 && denied.count == 1)
        }
    }

    @Test func theCommandPrintsEachFormat() async throws {
        try await TestDatabase.withFresh { url in
            _ = try await Fixtures.recordAndShip(Self.trail, spool: try TemporaryDirectory().path, url: url)
            let text = "postgres://\(url.username):\(url.password ?? "")@\(url.host):\(url.port)/\(url.database)?sslmode=disable"
            let csv = try runKubetrail(["who", "--database-url", text, "--cluster", "prod", "--format", "csv"])
            #expect(csv.status == 0, "\(csv.stderr)")
            let rows = try CSVReader.parse(csv.stdout)
            #expect(rows.first == ["user", "cluster", "groups", "first_access", "last_access", "requests", "writes", "denied", "sessions"])
            #expect(Set(rows.dropFirst().map { "\($0[0])@\($0[1]):\($0[5])" }) == ["alice@prod:4", "bob@prod:2"])
            let deletes = try runKubetrail(["who", "--database-url", text, "--verb", "delete", "--format", "csv"])
            #expect(try CSVReader.parse(deletes.stdout).dropFirst().map { "\($0[0])@\($0[1]):\($0[5]):\($0[6])" } == ["alice@prod:1:1"])
            let json = try runKubetrail(["who", "--database-url", text, "--format", "json"])
            #expect(json.stdout.split(separator: "\n").count == 3)
            let refused = try runKubetrail(["who", "--database-url", text, "--format", "k8s-audit"])
            #expect(refused.status != 0 && refused.stderr.contains("k8s-audit is a format of events"))
            let badTime = try runKubetrail(["who", "--database-url", text, "--since", "yesterday-ish"])
            #expect(badTime.status != 0 && badTime.stderr.contains("is not a time"))
        }
    }
}
