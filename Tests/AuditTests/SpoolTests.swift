import Crypto
import Foundation
import Testing

@testable import Audit

@Suite struct SpoolTests {
    @Test func framesRejectTornAndCorruptRecords() {
        var buffer: [UInt8] = []
        SpoolFrame.append([1, 2, 3, 4], to: &buffer)
        buffer.withUnsafeBytes { raw in
            #expect(SpoolFrame.parse(raw, at: 0) == .frame(payload: 8..<12, next: 12))
            #expect(SpoolFrame.parse(UnsafeRawBufferPointer(rebasing: raw[0..<11]), at: 0) == .incomplete)
        }
        var corrupt = buffer
        corrupt[9] ^= 0x01
        corrupt.withUnsafeBytes { raw in
            #expect(SpoolFrame.parse(raw, at: 0) == .corrupt("CRC mismatch"))
        }
        var huge = buffer
        huge[0] = 0x7f
        huge.withUnsafeBytes { raw in
            guard case .corrupt = SpoolFrame.parse(raw, at: 0) else { Issue.record("oversized length accepted"); return }
        }
    }

    @Test func framedRecordsReadBackWhole() throws {
        var chain = HashChain(writerID: "w")
        let event = Fixtures.events(1)[0]
        let (link, record) = chain.append(canonicalEvent: CanonicalEventEncoding.encode(event))
        let key = Curve25519.Signing.PrivateKey()
        let records: [SpoolRecord] = [
            .event(link: link, chainRecord: record, requestBody: Payload(contentType: "application/json", bytes: [1, 2]), responseBody: nil),
            .checkpoint(try Checkpoint.sign(head: link, at: Date(), with: key)),
        ]
        var buffer: [UInt8] = [9, 9, 9]  // frames append after whatever the queue holds
        for r in records { r.appendFramed(to: &buffer) }
        var offset = 3
        for r in records {
            let parsed = buffer.withUnsafeBytes { SpoolFrame.parse($0, at: offset) }
            guard case .frame(let range, let next) = parsed else { Issue.record("frame at \(offset): \(parsed)"); return }
            #expect(try SpoolRecord.decode(Array(buffer[range]), writerID: "w") == r)
            offset = next
        }
        #expect(offset == buffer.count && buffer.prefix(3) == [9, 9, 9])
    }

    @Test func strictRecordIsOnDiskWhenItReturns() async throws {
        let dir = try TemporaryDirectory()
        let pipeline = try Fixtures.pipeline(dir.path)
        let events = Fixtures.events(25)
        for event in events { try await pipeline.record(event) }
        // Read the spool from disk, up to what the pipeline calls durable.
        let reader = try SpoolReader(directory: dir.path, writerID: pipeline.identity.writerID)
        let records = try reader.read(upTo: await pipeline.durable, maximum: 1000)
        let seqs = records.compactMap { if case .event(let link, _, _, _) = $0 { return link.seq } else { return nil } }
        #expect(seqs == Array(1...25))
        await pipeline.shutdown()
    }

    @Test func recoveryCutsATornLastRecordAndContinuesTheChain() async throws {
        let dir = try TemporaryDirectory()
        do {
            let pipeline = try Fixtures.pipeline(dir.path, checkpointEvery: 1000)
            for event in Fixtures.events(10) { try await pipeline.record(event) }
            await pipeline.shutdown()
        }
        // A crash in the middle of the 11th write: half a frame at the end of the segment.
        let segment = try Spool.segmentSeqs(in: dir.path).last!
        let path = Spool.path(dir.path, segment)
        let handle = FileHandle(forWritingAtPath: path)!
        handle.seekToEndOfFile()
        var torn: [UInt8] = []
        SpoolFrame.append(Array(repeating: 0xAB, count: 300), to: &torn)
        handle.write(Data(torn.prefix(150)))
        handle.closeFile()

        let reopened = try Fixtures.pipeline(dir.path, checkpointEvery: 1000)
        #expect(reopened.tornBytesRecovered == 150)
        let next = await reopened.nextSeq
        #expect(next == 11)
        for event in Fixtures.events(5, seed: 99) { try await reopened.record(event) }
        let reader = try SpoolReader(directory: dir.path, writerID: reopened.identity.writerID)
        var links: [ChainLink] = []
        for record in try reader.read(upTo: await reopened.durable, maximum: 1000) {
            if case .event(let link, _, _, _) = record { links.append(link) }
        }
        #expect(links.map(\.seq) == Array(1...15))
        for (a, b) in zip(links, links.dropFirst()) { #expect(b.prevHash == a.hash) }
        await reopened.shutdown()
    }

    @Test func aDamagedLastRecordIsCutOnRecovery() async throws {
        let dir = try TemporaryDirectory()
        do {
            // No shutdown: a crash, so the last record is the third event, not a final checkpoint.
            let pipeline = try Fixtures.pipeline(dir.path, checkpointEvery: 1000)
            for event in Fixtures.events(3) { try await pipeline.record(event) }
        }
        let path = Spool.path(dir.path, try Spool.segmentSeqs(in: dir.path).last!)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count - 5] ^= 0xff  // damage the last record's payload
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let reopened = try Fixtures.pipeline(dir.path, checkpointEvery: 1000)
        #expect(reopened.tornBytesRecovered > 0)
        let next = await reopened.nextSeq
        #expect(next == 3)
        await reopened.shutdown()
    }

    @Test func readsInOrderAcrossRolledSegments() async throws {
        let dir = try TemporaryDirectory()
        let pipeline = try Fixtures.pipeline(dir.path, checkpointEvery: 7, segmentSize: 4096)
        let events = Fixtures.events(120)
        for event in events { try await pipeline.record(event) }
        #expect(try Spool.segmentSeqs(in: dir.path).count > 5)
        let reader = try SpoolReader(directory: dir.path, writerID: pipeline.identity.writerID)
        var seqs: [UInt64] = []
        var checkpoints = 0
        while true {
            let batch = try reader.read(upTo: await pipeline.durable, maximum: 13)
            if batch.isEmpty { break }
            for record in batch {
                switch record {
                case .event(let link, let chainRecord, _, _):
                    seqs.append(link.seq)
                    let event = try CanonicalEventEncoding.decode(try ChainRecord.parse(chainRecord).canonicalEvent).event
                    #expect(event.auditID == events[Int(link.seq) - 1].auditID)
                case .checkpoint(let cp):
                    checkpoints += 1
                    #expect(cp.isValidSignature(for: pipeline.identity.publicKey))
                }
            }
        }
        #expect(seqs == Array(1...120))
        #expect(checkpoints == 120 / 7)
        // After a restart the chain goes on from the newest segment's last record.
        await pipeline.shutdown()
        let reopened = try Fixtures.pipeline(dir.path, checkpointEvery: 7, segmentSize: 4096)
        let next = await reopened.nextSeq
        #expect(next == 121)
        await reopened.shutdown()
    }

    @Test func batchedModeReturnsBeforeFsyncAndSyncsOnTheTimer() async throws {
        let dir = try TemporaryDirectory()
        let pipeline = try Fixtures.pipeline(dir.path, durability: .batched(syncInterval: .milliseconds(50)))
        await pipeline.start()
        let before = await pipeline.durable
        for event in Fixtures.events(50) { try await pipeline.record(event) }
        let after = await pipeline.waitForDurable(after: before)
        #expect(after > before)
        var durable = after
        while true {
            let reader = try SpoolReader(directory: dir.path, writerID: pipeline.identity.writerID)
            let count = try reader.read(upTo: durable, maximum: 1000).filter { if case .event = $0 { return true } else { return false } }.count
            if count == 50 { break }
            durable = await pipeline.waitForDurable(after: durable)
        }
        await pipeline.shutdown()
    }

    @Test func aCheckpointIsSignedAfterTheIntervalEvenWithFewEvents() async throws {
        let dir = try TemporaryDirectory()
        let identity = try WriterIdentity.loadOrCreate(in: dir.path)
        let pipeline = try AuditPipeline(
            configuration: .init(spoolDirectory: dir.path, durability: .strict, checkpointEvery: 1000, checkpointInterval: .milliseconds(100)),
            identity: identity, logger: Fixtures.quietLogger)
        await pipeline.start()
        for event in Fixtures.events(3) { try await pipeline.record(event) }
        try await waitUntil(timeout: .seconds(5)) { await pipeline.checkpointsSigned >= 1 }
        var checkpoints: [Checkpoint] = []
        try await waitUntil(timeout: .seconds(5)) {
            let reader = try SpoolReader(directory: dir.path, writerID: identity.writerID)
            checkpoints = try reader.read(upTo: await pipeline.durable, maximum: 100).compactMap {
                if case .checkpoint(let cp) = $0 { return cp } else { return nil }
            }
            return checkpoints.last?.seq == 3
        }
        // Under load the interval may pass between two of the three events: then an earlier
        // checkpoint exists too. The last one covers all three; every one is signed.
        #expect(checkpoints.last?.seq == 3)
        #expect(checkpoints.map(\.seq) == checkpoints.map(\.seq).sorted())
        #expect(checkpoints.allSatisfy { $0.isValidSignature(for: identity.publicKey) })
        await pipeline.shutdown()
    }
}
