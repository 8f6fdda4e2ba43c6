import KubetrailTestSupport
import Audit
import Foundation
import PostgresNIO
import Testing

/// A superuser with the triggers off rewrites the trail; verify names the position and the damage.
@Suite(.enabled(if: TestDatabase.enabled)) struct VerifyDamageTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var statements: [String]
        var kind: ChainDamage.Kind
        var seq: UInt64
        var description: String { name }
    }

    static let e = "kubetrail.audit_events"
    static let cases: [Case] = [
        Case(name: "a column edited", statements: ["UPDATE \(e) SET username = 'someone-else' WHERE seq = 17"], kind: .edited, seq: 17),
        Case(name: "a status edited", statements: ["UPDATE \(e) SET status_code = 599 WHERE seq = 23"], kind: .edited, seq: 23),
        Case(name: "a URI edited", statements: ["UPDATE \(e) SET request_uri = request_uri || '?dryRun=All' WHERE seq = 5"], kind: .edited, seq: 5),
        Case(name: "extras edited", statements: ["UPDATE \(e) SET extras = (SELECT extras FROM \(e) WHERE seq = 6) WHERE seq = 2"], kind: .edited, seq: 2),
        Case(name: "groups edited", statements: ["UPDATE \(e) SET groups = groups || '{system:masters}'::text[] WHERE seq = 33"], kind: .edited, seq: 33),
        Case(name: "a body swapped", statements: ["UPDATE \(e) SET request_body = (SELECT request_body FROM \(e) WHERE seq = 6) WHERE seq = 5"], kind: .edited, seq: 5),
        Case(name: "a body removed", statements: ["UPDATE \(e) SET request_body = NULL WHERE seq = 6"], kind: .edited, seq: 6),
        Case(name: "a body added", statements: ["UPDATE \(e) SET request_body = (SELECT request_body FROM \(e) WHERE seq = 6) WHERE seq = 3 AND request_body IS NULL"], kind: .edited, seq: 3),
        Case(name: "a row deleted", statements: ["DELETE FROM \(e) WHERE seq = 30"], kind: .missing, seq: 30),
        Case(name: "rows deleted", statements: ["DELETE FROM \(e) WHERE seq BETWEEN 12 AND 14"], kind: .missing, seq: 12),
        Case(name: "a row inserted", statements: ["INSERT INTO \(e) SELECT writer_id, seq, event_time + interval '1 second', prev_hash, hash, gen_random_uuid(), kind, stage, level, request_time, verb, request_uri, 'intruder', user_uid, groups, impersonated_user, source_ips, user_agent, api_group, api_version, resource, subresource, namespace, name, status_code, cluster, authn_method, credential_id, decision, decision_rule, latency_us, bytes_in, bytes_out, session_id, connection_id, kubectl_session, kubectl_command, extras, request_body_type, request_body, response_body_type, response_body FROM \(e) WHERE seq = 8"], kind: .inserted, seq: 8),
        Case(name: "rows reordered", statements: ["UPDATE \(e) SET seq = CASE seq WHEN 40 THEN 41 ELSE 40 END WHERE seq IN (40, 41)"], kind: .reordered, seq: 40),
        Case(name: "the tail cut", statements: ["DELETE FROM \(e) WHERE seq > 44"], kind: .tailCut, seq: 45),
        Case(name: "a checkpoint forged", statements: ["UPDATE kubetrail.audit_checkpoints SET head_hash = (SELECT hash FROM \(e) WHERE seq = 9) WHERE seq = 10"], kind: .badSignature, seq: 10),
        Case(name: "a key replaced", statements: ["UPDATE kubetrail.audit_writers SET public_key = decode(repeat('ab', 32), 'hex')"], kind: .badSignature, seq: 10),
    ]

    @Test(arguments: cases) func findsTheDamage(_ damage: Case) async throws {
        try await TestDatabase.withFresh { url in
            let spool = try TemporaryDirectory()
            var events = Fixtures.events(50)
            events[2].requestBody = nil
            events[4].requestBody = Payload(contentType: "application/json", bytes: Array(#"{"kind":"ConfigMap","data":{"a":"1"}}"#.utf8))
            events[5].requestBody = Payload(contentType: "application/json", bytes: Array(#"{"kind":"ConfigMap","data":{"a":"2"}}"#.utf8))
            _ = try await Fixtures.recordAndShip(events, spool: spool.path, url: url, checkpointEvery: 10)
            let intact = try await url.withClient { try await ChainVerifier(client: $0).verify() }
            #expect(intact.isIntact && intact.summary == "50/50 events valid, 5/5 checkpoints valid")

            try await url.withClient { try await $0.tamper(damage.statements) }
            let report = try await url.withClient { try await ChainVerifier(client: $0).verify() }
            #expect(!report.isIntact)
            let first = try #require(report.damages.first)
            #expect(first.kind == damage.kind, "\(report.damages)")
            if damage.seq > 0 { #expect(first.seq == damage.seq, "\(report.damages)") }
            #expect(report.eventsValid < report.eventsTotal || report.checkpointsValid < report.checkpointsTotal)
        }
    }

    @Test func aFullyRewrittenChainStillFailsAgainstItsSignedCheckpoints() async throws {
        try await TestDatabase.withFresh { url in
            let spool = try TemporaryDirectory()
            let events = Fixtures.events(30)
            _ = try await Fixtures.recordAndShip(events, spool: spool.path, url: url, checkpointEvery: 10)
            // Mallory rebuilds the whole chain from seq 15 with an edited event and recomputed
            // hashes: every link checks out, but the writer's signatures do not.
            var forged = HashChain(writerID: try await url.withClient { try await $0.scalar("SELECT writer_id FROM kubetrail.audit_writers", as: String.self) })
            var statements: [String] = []
            for (i, var event) in events.enumerated() {
                if i == 14 { event.user.username = "innocent" }
                let link = forged.append(canonicalEvent: CanonicalEventEncoding.encode(event)).link
                guard i >= 14 else { continue }
                let hex = { (b: [UInt8]) in b.map { String(format: "%02x", $0) }.joined() }
                statements.append("UPDATE kubetrail.audit_events SET prev_hash = '\\x\(hex(link.prevHash))', hash = '\\x\(hex(link.hash))', username = '\(event.user.username)' WHERE seq = \(link.seq)")
            }
            try await url.withClient { try await $0.tamper(statements) }
            let report = try await url.withClient { try await ChainVerifier(client: $0).verify() }
            let first = try #require(report.damages.first)
            #expect(first.kind == .edited && first.seq == 20, "\(report.damages)")
        }
    }

    @Test func pinnedKeysRejectARewrittenKeyTable() async throws {
        try await TestDatabase.withFresh { url in
            let spool = try TemporaryDirectory()
            _ = try await Fixtures.recordAndShip(Fixtures.events(20), spool: spool.path, url: url, checkpointEvery: 10)
            let identity = try WriterIdentity.loadOrCreate(in: spool.path)
            let pinned = try ChainVerifier.loadPublicKeys(pem: identity.publicKeyPEM)
            let good = try await url.withClient { try await ChainVerifier(client: $0, pinnedKeys: pinned).verify() }
            #expect(good.isIntact)
            let stranger = try ChainVerifier.loadPublicKeys(pem: WriterIdentity.loadOrCreate(in: try TemporaryDirectory().path).publicKeyPEM)
            let bad = try await url.withClient { try await ChainVerifier(client: $0, pinnedKeys: stranger).verify() }
            #expect(bad.damages.first?.kind == .badSignature)
        }
    }

    /// The CLI: exit 0 and the summary when intact, exit 1 naming the first bad position when not.
    @Test func theVerifyCommandReportsAndExits() async throws {
        try await TestDatabase.withFresh { url in
            let spool = try TemporaryDirectory()
            _ = try await Fixtures.recordAndShip(Fixtures.events(25), spool: spool.path, url: url, checkpointEvery: 10)
            let text = "postgres://\(url.username):\(url.password ?? "")@\(url.host):\(url.port)/\(url.database)?sslmode=disable"
            let ok = try runKubetrail(["verify", "--database-url", text])
            #expect(ok.status == 0)
            #expect(ok.stdout.contains("25/25 events valid, 3/3 checkpoints valid"), "\(ok.stdout)\(ok.stderr)")
            try await url.withClient { try await $0.tamper(["DELETE FROM kubetrail.audit_events WHERE seq = 7"]) }
            let bad = try runKubetrail(["verify"], environment: ["KUBETRAIL_DATABASE_URL": text])
            #expect(bad.status == 1)
            #expect(bad.stdout.contains("FIRST DAMAGE: writer ") && bad.stdout.contains("seq 7: missing"), "\(bad.stdout)")
        }
    }
}

struct ProcessResult { var status: Int32; var stdout: String; var stderr: String }

func runKubetrail(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Repository.product("kubetrail"))
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
}
