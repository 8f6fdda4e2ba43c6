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
            SELECT \(unescaped: StoredEventRow.record(includeBodies: true, includeHashes: true)) FROM kubetrail.audit_events
            WHERE writer_id = \(writer) ORDER BY seq, event_time
            """, logger: logger)
        for try await row in rows {
            report.eventsTotal += 1
            let stored = try StoredEventRow(record: row)
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

    /// Checks one row against its own hash and bodies; nil when it is intact.
    private func check(_ stored: StoredEventRow, writer: String, decompressor: ZlibDecompressor) -> (ChainDamage.Kind, String)? {
        let seq = UInt64(stored.row.seq)
        let event: CanonicalEvent
        do {
            event = try stored.row.event()
        } catch {
            return (.edited, "row unreadable: \(error)")
        }
        let canonical = CanonicalEventEncoding.encode(event.event, requestBody: event.requestBody, responseBody: event.responseBody)
        func hashes(at seq: UInt64) -> Bool {
            HashChain.hash(prev: stored.prevHash, record: ChainRecord.bytes(writerID: writer, seq: seq, canonicalEvent: canonical)) == stored.hash
        }
        if !hashes(at: seq) {
            // A row that hashes correctly at another nearby position was moved, not edited.
            let window = UInt64(Self.reorderWindow)
            for candidate in max(1, seq > window ? seq - window : 1)...(seq + window) where candidate != seq && hashes(at: candidate) {
                return (.reordered, "row at seq \(seq) was chained as seq \(candidate)")
            }
            return (.edited, "row does not match its hash")
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

    /// How far from its position a moved row is looked for before it is called edited.
    static let reorderWindow = 64
}
