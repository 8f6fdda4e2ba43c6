import Crypto
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Walks every writer's chain and checkpoints in PostgreSQL and reports what does not check out.
///
/// Per row: the record decompresses and parses; it was chained at this writer and seq; its hash is
/// SHA-256(prev_hash ‖ record); its prev_hash is the hash of the row before; every typed column
/// and stored body matches the record. Per checkpoint: the signature verifies with the writer's
/// key and the row at its seq has the signed hash. Rows stream in seq order: constant memory.
public struct ChainVerifier: Sendable {
    let client: PostgresClient
    /// Public keys pinned by the auditor (`--public-key`); nil trusts the keys in the database.
    let pinnedKeys: [String: Curve25519.Signing.PublicKey]?
    let logger: Logger

    public init(client: PostgresClient, pinnedKeys: [String: Curve25519.Signing.PublicKey]? = nil, logger: Logger = Logger(label: "kubetrail.verify")) {
        self.client = client
        self.pinnedKeys = pinnedKeys
        self.logger = logger
    }

    /// Reads `Writer: id` PEM blocks of writer public keys, as `kubetrail writer public-key` prints them.
    public static func loadPublicKeys(pem: String) throws -> [String: Curve25519.Signing.PublicKey] {
        var keys: [String: Curve25519.Signing.PublicKey] = [:]
        for block in try PEMBlock.decodeAll(pem, label: "KUBETRAIL WRITER PUBLIC KEY") {
            guard let writer = block.headers["Writer"] else { throw WriterIdentityError(description: "public key block without a 'Writer:' line") }
            keys[writer] = try Curve25519.Signing.PublicKey(rawRepresentation: block.bytes)
        }
        guard !keys.isEmpty else { throw WriterIdentityError(description: "no KUBETRAIL WRITER PUBLIC KEY block found") }
        return keys
    }

    public func verify() async throws -> VerificationReport {
        var report = VerificationReport()
        var storedKeys: [String: [UInt8]] = [:]
        for try await (writer, key) in try await client.query("SELECT writer_id, public_key FROM kubetrail.audit_writers", logger: logger).decode((String, ByteBuffer).self) {
            storedKeys[writer] = Array(buffer: key)
        }
        var writers = Set(storedKeys.keys)
        for try await writer in try await client.query("SELECT DISTINCT writer_id FROM kubetrail.audit_events", logger: logger).decode(String.self) {
            writers.insert(writer)
        }
        for try await writer in try await client.query("SELECT DISTINCT writer_id FROM kubetrail.audit_checkpoints", logger: logger).decode(String.self) {
            writers.insert(writer)
        }
        report.writers = writers.sorted()
        let decompressor = try ZlibDecompressor()
        for writer in report.writers {
            let key: Curve25519.Signing.PublicKey?
            if let pinnedKeys {
                key = pinnedKeys[writer]
            } else {
                key = storedKeys[writer].flatMap { try? Curve25519.Signing.PublicKey(rawRepresentation: $0) }
            }
            try await verify(writer: writer, key: key, decompressor: decompressor, into: &report)
        }
        return report
    }

    private func verify(writer: String, key: Curve25519.Signing.PublicKey?, decompressor: ZlibDecompressor, into report: inout VerificationReport) async throws {
        var checkpoints: [UInt64: Checkpoint] = [:]
        var lastCheckpointSeq: UInt64 = 0
        let cpRows = try await client.query(
            "SELECT seq, head_hash, created_at, signature FROM kubetrail.audit_checkpoints WHERE writer_id = \(writer) ORDER BY seq",
            logger: logger)
        for try await (seq, hash, created, signature) in cpRows.decode((Int64, ByteBuffer, PostgresMicroseconds, ByteBuffer).self) {
            let cp = Checkpoint(
                writerID: writer, seq: UInt64(seq), headHash: Array(buffer: hash),
                createdAt: Date(microsecondsSince1970: created.value), signature: Array(buffer: signature))
            report.checkpointsTotal += 1
            if let key, cp.isValidSignature(for: key) {
                checkpoints[cp.seq] = cp
                lastCheckpointSeq = max(lastCheckpointSeq, cp.seq)
            } else {
                let why = key == nil ? "no public key for this writer" : "signature does not verify"
                report.damages.append(ChainDamage(writerID: writer, seq: cp.seq, kind: .badSignature, detail: why))
            }
        }

        var expectedSeq: UInt64 = 1
        var previousHash = HashChain.genesis
        var lastSeq: UInt64 = 0
        var checkpointsMatched = 0
        let rows = try await client.query(
            """
            SELECT \(unescaped: ChainVerifier.rowColumns) FROM kubetrail.audit_events
            WHERE writer_id = \(writer) ORDER BY seq, event_time
            """, logger: logger)
        for try await row in rows {
            report.eventsTotal += 1
            let stored = try StoredEventRow(row)
            let seq = UInt64(stored.row.seq)
            var damage: (ChainDamage.Kind, String)?

            if seq == lastSeq {
                damage = (.inserted, "a second row claims seq \(seq)")
            } else {
                if seq > expectedSeq {
                    let range = expectedSeq == seq - 1 ? "\(expectedSeq)" : "\(expectedSeq)…\(seq - 1)"
                    report.damages.append(ChainDamage(writerID: writer, seq: expectedSeq, kind: .missing, detail: "no row for seq \(range)"))
                    report.eventsTotal += Int(seq - expectedSeq)  // the chain says they exist: count them as invalid
                }
                damage = check(stored, writer: writer, decompressor: decompressor)
                if damage == nil, seq == expectedSeq, stored.prevHash != previousHash {
                    damage = (.edited, "prev_hash does not match the hash of seq \(seq - 1)")
                }
                if let cp = checkpoints[seq] {
                    if cp.headHash == stored.hash {
                        checkpointsMatched += 1
                    } else if damage == nil {
                        damage = (.edited, "chain at seq \(seq) does not match its signed checkpoint: rows up to here were rewritten")
                    }
                }
                previousHash = stored.hash
                lastSeq = seq
                expectedSeq = seq + 1
            }
            if let (kind, detail) = damage {
                report.damages.append(ChainDamage(writerID: writer, seq: seq, kind: kind, detail: detail))
            } else {
                report.eventsValid += 1
            }
        }
        // Checkpoints whose seq no row reached: the end of the chain was cut off.
        if let lastSigned = checkpoints.keys.max(), lastSigned > lastSeq {
            report.damages.append(ChainDamage(writerID: writer, seq: lastSeq + 1, kind: .tailCut, detail: "a signed checkpoint vouches for seq \(lastSigned) but the chain ends at \(lastSeq)"))
            report.eventsTotal += Int(lastSigned - lastSeq)
        }
        report.checkpointsValid += checkpointsMatched
        if lastSeq > lastCheckpointSeq { report.unsignedTail[writer] = Int(lastSeq - lastCheckpointSeq) }
    }

    /// Checks one row against its own record; nil when it is intact.
    private func check(_ stored: StoredEventRow, writer: String, decompressor: ZlibDecompressor) -> (ChainDamage.Kind, String)? {
        let record: [UInt8]
        let parsed: (writerID: String, seq: UInt64, canonicalEvent: [UInt8])
        let event: CanonicalEvent
        do {
            record = try decompressor.decompress(stored.record)
            parsed = try ChainRecord.parse(record)
            event = try CanonicalEventEncoding.decode(parsed.canonicalEvent)
        } catch {
            return (.edited, "record unreadable: \(error)")
        }
        let seq = UInt64(stored.row.seq)
        if parsed.writerID != writer || parsed.seq != seq {
            return (.reordered, "row at seq \(seq) holds the event chained as \(parsed.writerID) seq \(parsed.seq)")
        }
        if HashChain.hash(prev: stored.prevHash, record: record) != stored.hash {
            return (.edited, "hash does not match the record")
        }
        let expected = AuditRow(writerID: writer, seq: seq, event: event)
        let differences = expected.differences(from: stored.row)
        if !differences.isEmpty {
            return (.edited, "column \(differences.joined(separator: ", ")) differs from the chained record")
        }
        for (name, digest, body) in [("request_body", event.requestBody, stored.requestBody), ("response_body", event.responseBody, stored.responseBody)] {
            switch (digest, body) {
            case (nil, nil): continue
            case (let digest?, let body?):
                guard let bytes = try? decompressor.decompress(body), Array(SHA256.hash(data: bytes)) == digest.sha256 else {
                    return (.edited, "\(name) does not match its chained digest")
                }
            default:
                return (.edited, "\(name) is \(body == nil ? "missing" : "present but was never chained")")
            }
        }
        return nil
    }

    static let rowColumns = """
        writer_id, seq, event_time, prev_hash, hash, record, audit_id, kind, stage, level, request_time, verb,
        request_uri, username, user_uid, groups, impersonated_user, source_ips, user_agent, api_group, api_version,
        resource, subresource, namespace, name, status_code, cluster, authn_method, credential_id, decision,
        decision_rule, latency_us, bytes_in, bytes_out, session_id, connection_id, kubectl_session, kubectl_command,
        request_body_type, request_body, response_body_type, response_body
        """
}
