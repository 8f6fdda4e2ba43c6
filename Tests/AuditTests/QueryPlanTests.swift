import Foundation
import PostgresNIO
import Testing

@testable import Audit

/// Each headline filter can be answered from an index (checked with sequential scans disabled,
/// so the planner must say which index it would use). Partitions name their copies of an index
/// after its columns (`audit_events_2026_11_username_event_time_idx`), which is what is matched.
@Suite(.enabled(if: TestDatabase.enabled)) struct QueryPlanTests {
    @Test func filtersHaveIndexes() async throws {
        try await TestDatabase.withFresh { url in
            let events = QueryTests.trail
            _ = try await Fixtures.recordAndShip(events, spool: try TemporaryDirectory().path, url: url)
            let day = QueryTests.start.addingTimeInterval(86_400)
            let cases: [(String, (inout AuditFilter) -> Void, String)] = [
                ("user and time", { $0.users = ["user-1@example.com"]; $0.since = day }, "_username_event_time_idx"),
                ("cluster and time", { $0.clusters = ["cluster-1"]; $0.since = day }, "_cluster_event_time_username_kind_stage_idx"),
                ("audit id", { $0.auditID = events[7].auditID }, "_audit_id_idx"),
                ("time range", { $0.since = day; $0.until = day.addingTimeInterval(3600) }, #"audit_events_\d{4}_\d{2}_event_time_idx"#),
                ("deletes in a namespace", { $0.namespaces = ["ns-1"]; $0.verbs = ["delete"] }, "_namespace_verb_event_time_idx"),
                ("denied", { $0.decision = .deny }, "_decision_event_time_idx"),
                ("client errors", { $0.status = .range(400...499) }, "_status_code_event_time_idx"),
            ]
            try await url.withClient { client in
                try await client.withConnection { connection in
                    try await connection.query("ANALYZE kubetrail.audit_events", logger: Fixtures.quietLogger)
                    try await connection.query("SET enable_seqscan = off", logger: Fixtures.quietLogger)
                    for (name, narrow, index) in cases {
                        var filter = AuditFilter()
                        narrow(&filter)
                        let statement = AuditQuery(filter: filter, limit: 100).statement()
                        let explain = PostgresQuery(unsafeSQL: "EXPLAIN " + statement.sql, binds: statement.binds)
                        var plan = ""
                        for try await line in try await connection.query(explain, logger: Fixtures.quietLogger).decode(String.self) {
                            plan += line + "\n"
                        }
                        #expect(plan.range(of: index, options: .regularExpression) != nil, "\(name) does not use \(index):\n\(plan)")
                    }
                }
            }
        }
    }

    /// `who --cluster X --since …` counts from the covering cluster index alone (migration 0003),
    /// once vacuum has marked the pages all-visible.
    @Test func whoByClusterReadsOnlyTheIndex() async throws {
        try await TestDatabase.withFresh { url in
            _ = try await Fixtures.recordAndShip(QueryTests.trail, spool: try TemporaryDirectory().path, url: url)
            var filter = AuditFilter()
            filter.clusters = ["cluster-1"]
            filter.since = QueryTests.start.addingTimeInterval(86_400)
            let statement = AccessSummaryQuery(filter: filter).statement()
            try await url.withClient { client in
                try await client.withConnection { connection in
                    try await connection.query("VACUUM ANALYZE kubetrail.audit_events", logger: Fixtures.quietLogger)
                    try await connection.query("SET enable_seqscan = off", logger: Fixtures.quietLogger)
                    try await connection.query("SET enable_bitmapscan = off", logger: Fixtures.quietLogger)
                    let explain = PostgresQuery(unsafeSQL: "EXPLAIN " + statement.sql, binds: statement.binds)
                    var plan = ""
                    for try await line in try await connection.query(explain, logger: Fixtures.quietLogger).decode(String.self) {
                        plan += line + "\n"
                    }
                    // The partitions that hold events (empty ones, never vacuumed, may be planned any way).
                    var partitions: [String] = []
                    for try await name in try await connection.query("SELECT DISTINCT tableoid::regclass::text FROM kubetrail.audit_events", logger: Fixtures.quietLogger).decode(String.self) {
                        partitions.append(name.replacingOccurrences(of: "kubetrail.", with: ""))
                    }
                    #expect(!partitions.isEmpty)
                    // The counts' scans (the groups of each summary's latest event are then read row by row).
                    let scans = plan.split(separator: "\n").filter { line in line.contains(" Scan ") && partitions.contains { line.contains(" on \($0) audit_events") } }
                    #expect(!scans.isEmpty, "\(plan)")
                    for scan in scans {
                        #expect(scan.contains("Index Only Scan using") && scan.contains("_cluster_event_time_username_kind_stage_idx"), "\(plan)")
                    }
                }
            }
        }
    }
}
