import Audit
import AuditSynthetic
import Foundation
import Testing

/// `query` against a trail written by the real pipeline: every filter, pagination, formats.
@Suite(.enabled(if: TestDatabase.enabled)) struct QueryTests {
    static let start = Date(timeIntervalSince1970: 1_790_000_000)

    static var trail: [AuditEvent] {
        var shape = SyntheticTrail.Shape()
        shape.users = 12
        shape.clusters = 4
        shape.namespaces = 5
        shape.denialRate = 0.1
        shape.writeRate = 0.25
        shape.bodyRate = 0.2
        shape.start = start
        shape.span = 10 * 86_400
        shape.spreadOver = 400
        var synthetic = SyntheticTrail(seed: 11, shape: shape)
        return (0..<400).map { synthetic.next(index: $0) }
    }

    /// Loads the trail into a fresh database and runs `body` with it.
    func withTrail(_ body: (DatabaseURL, [AuditEvent]) async throws -> Void) async throws {
        let events = Self.trail
        try await TestDatabase.withFresh { url in
            _ = try await Fixtures.recordAndShip(events, spool: try TemporaryDirectory().path, url: url)
            try await body(url, events)
        }
    }

    /// The audit ids a query returns, in order.
    func ids(_ query: AuditQuery, _ url: DatabaseURL) async throws -> [UUID] {
        try await url.withClient { client in
            var ids: [UUID] = []
            try await query.run(on: client) { ids.append($0.event.auditID) }
            return ids
        }
    }

    /// What the query must return, worked out from the events themselves.
    func expected(_ events: [AuditEvent], newestFirst: Bool = true, _ keep: (AuditEvent) -> Bool) -> [UUID] {
        let kept = events.enumerated().filter { keep($0.element) }
        let sorted = kept.sorted { a, b in
            let ta = a.element.stageTimestamp.microsecondsSince1970, tb = b.element.stageTimestamp.microsecondsSince1970
            return ta != tb ? ta < tb : a.offset < b.offset
        }
        return (newestFirst ? sorted.reversed() : sorted).map(\.element.auditID)
    }

    static let writes: Set<String> = ["create", "update", "patch", "delete", "deletecollection"]

    @Test func everyFilterAndCombinations() async throws {
        try await withTrail { url, events in
            let someUser = events[17].user.username
            let someCluster = events[3].cluster
            let someNamespace = events[5].objectRef!.namespace!
            let someName = events.first { $0.objectRef?.name != nil }!.objectRef!.name!
            let someSession = events[42].kubectlSession!
            let middle = Self.start.addingTimeInterval(5 * 86_400)
            let cases: [(String, (inout AuditFilter) -> Void, (AuditEvent) -> Bool)] = [
                ("all", { _ in }, { _ in true }),
                ("user", { $0.users = [someUser] }, { $0.user.username == someUser }),
                ("group", { $0.groups = ["team-3"] }, { $0.user.groups.contains("team-3") }),
                ("cluster", { $0.clusters = [someCluster] }, { $0.cluster == someCluster }),
                ("namespace", { $0.namespaces = [someNamespace] }, { $0.objectRef?.namespace == someNamespace }),
                ("verbs", { $0.verbs = ["delete", "deletecollection"] }, { ["delete", "deletecollection"].contains($0.verb) }),
                ("resource", { $0.resources = ["secrets"] }, { $0.objectRef?.resource == "secrets" }),
                ("name", { $0.names = [someName] }, { $0.objectRef?.name == someName }),
                ("status code", { $0.status = .code(403) }, { $0.responseStatus?.code == 403 }),
                ("status class", { $0.status = try! .init("2xx") }, { (200...299).contains($0.responseStatus?.code ?? 0) }),
                ("denied", { $0.decision = .deny }, { $0.decision == .deny }),
                ("session", { $0.session = someSession }, { $0.kubectlSession == someSession || $0.sessionID == someSession || $0.connectionID == someSession }),
                ("audit id", { $0.auditID = events[99].auditID }, { $0.auditID == events[99].auditID }),
                ("since", { $0.since = middle }, { $0.stageTimestamp >= middle }),
                ("until", { $0.until = middle }, { $0.stageTimestamp < middle }),
                ("user, writes, since", { $0.users = [someUser]; $0.verbs = Array(Self.writes); $0.since = middle },
                 { $0.user.username == someUser && Self.writes.contains($0.verb) && $0.stageTimestamp >= middle }),
                ("deletes in a namespace", { $0.namespaces = [someNamespace]; $0.verbs = ["delete"] },
                 { $0.objectRef?.namespace == someNamespace && $0.verb == "delete" }),
                ("cluster, denied, 4xx", { $0.clusters = [someCluster]; $0.decision = .deny; $0.status = .range(400...499) },
                 { $0.cluster == someCluster && $0.decision == .deny && (400...499).contains($0.responseStatus?.code ?? 0) }),
            ]
            for (name, narrow, keep) in cases {
                var filter = AuditFilter()
                narrow(&filter)
                let want = expected(events, keep)
                let newest = try await ids(AuditQuery(filter: filter), url)
                let oldest = try await ids(AuditQuery(filter: filter, order: .oldestFirst), url)
                #expect(newest == want, "filter: \(name)")
                #expect(oldest == want.reversed(), "filter: \(name), oldest first")
            }
            // The filters are not vacuous: most of them pick a real, proper subset.
            #expect(expected(events) { $0.decision == .deny }.count > 10)
            #expect(expected(events) { Self.writes.contains($0.verb) && $0.user.username == someUser }.count > 0)
        }
    }

    @Test func pagesHaveNoGapsOrRepeats() async throws {
        try await withTrail { url, events in
            for order in AuditQuery.Order.allCases {
                var pages: [[UUID]] = []
                var cursor: AuditCursor?
                repeat {
                    var page: [UUID] = []
                    let query = AuditQuery(order: order, limit: 37, after: cursor)
                    cursor = try await url.withClient { client in
                        try await query.run(on: client) { page.append($0.event.auditID) }
                    }
                    if !page.isEmpty { pages.append(page) }
                    if page.count < 37 { break }
                } while true
                let all = pages.flatMap { $0 }
                #expect(all == expected(events, newestFirst: order == .newestFirst) { _ in true })
                #expect(Set(all).count == all.count)
                #expect(pages.count == (events.count + 36) / 37)
            }
            // A cursor survives its text form.
            let c = AuditCursor(eventTime: 1_790_000_000_123_456, writerID: "host-1/x", seq: 42)
            let parsed = try AuditCursor(c.description)
            #expect(parsed == c)
            #expect(throws: (any Error).self) { try AuditCursor("not-a-cursor") }
        }
    }

    @Test func bodiesComeBackWhenAskedFor() async throws {
        try await withTrail { url, events in
            let withBody = events.filter { $0.requestBody != nil || $0.responseBody != nil }
            #expect(withBody.count > 10)
            var byID: [UUID: AuditEvent] = [:]
            try await url.withClient { client in
                try await AuditQuery(includeBodies: true).run(on: client) { byID[$0.event.auditID] = $0.event }
            }
            for event in withBody {
                #expect(byID[event.auditID]?.requestBody == event.requestBody)
                #expect(byID[event.auditID]?.responseBody == event.responseBody)
            }
            try await url.withClient { client in
                try await AuditQuery(limit: 50).run(on: client) { #expect($0.event.requestBody == nil && $0.event.responseBody == nil) }
            }
        }
    }

    @Test func theAuditorRoleQueries() async throws {
        try await withTrail { url, events in
            let auditor = try await TestDatabase.loginRole(in: "kubetrail_auditor", on: url)
            let seen = try await ids(AuditQuery(), auditor)
            #expect(seen.count == events.count)
        }
    }
}
