import Foundation

/// A place in the spool: a segment (named by its first seq) and a byte offset in it.
public struct SpoolPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var segment: UInt64
    public var offset: Int

    public static func < (a: SpoolPosition, b: SpoolPosition) -> Bool {
        (a.segment, a.offset) < (b.segment, b.offset)
    }

    public var description: String { "\(segment):\(offset)" }
}

/// The spool directory of one writer: segment files named by their first seq, oldest first.
///
/// Events wait here, on local disk, until the database has them: PostgreSQL down, network cut
/// or proxy restarted, nothing recorded is lost. The newest segment is the only one written to;
/// older ones are sealed (fully fsync'd) and deleted once shipped. The newest is never deleted,
/// so its header and records always give back the chain head.
public enum Spool {
    /// What recovery found: the chain to continue and where appends go.
    struct Recovered {
        var chain: HashChain
        var active: SpoolSegmentFile
        /// Bytes cut off a torn last record (0 when the spool was clean).
        var tornBytesDropped: Int
    }

    static func segmentSeqs(in directory: String) throws -> [UInt64] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw SpoolError("cannot list spool directory \(directory): \(error.localizedDescription)")
        }
        return names.compactMap(SpoolSegmentFile.firstSeq(ofFileName:)).sorted()
    }

    static func path(_ directory: String, _ seq: UInt64) -> String {
        directory + "/" + SpoolSegmentFile.fileName(firstSeq: seq)
    }

    /// Opens the spool for appending: restores the chain from the newest segment and cuts a
    /// torn last record (one whose length or CRC does not check out) so appends follow a whole one.
    static func recover(directory: String, writerID: String) throws -> Recovered {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var seqs = try segmentSeqs(in: directory)
        while let newest = seqs.last {
            let file = try SpoolSegmentFile.open(path: path(directory, newest), firstSeq: newest)
            let headerBytes = try file.read(at: 0, count: 4096)
            guard let (header, headerSize) = try? SpoolSegmentHeader.decode(headerBytes) else {
                // A crash while creating a segment: nothing was ever appended to it.
                guard file.size <= 4096 else { throw SpoolError("\(file.path): unreadable segment header") }
                try FileManager.default.removeItem(atPath: file.path)
                seqs.removeLast()
                continue
            }
            guard header.writerID == writerID else {
                throw SpoolError("\(file.path) belongs to writer \(header.writerID), not \(writerID): one spool directory per writer")
            }
            var chain = HashChain(writerID: writerID, nextSeq: header.firstSeq, head: header.prevHash)
            var scanner = SpoolFrameScanner(file: file, from: headerSize, to: file.size)
            var torn = 0
            scan: while true {
                switch try scanner.next() {
                case .frame(let payload):
                    if case .event(let link, _, _, _) = try SpoolRecord.decode(payload, writerID: writerID) {
                        guard link.seq == chain.nextSeq else {
                            throw SpoolError("\(file.path): seq \(link.seq) where \(chain.nextSeq) was expected")
                        }
                        chain = HashChain(writerID: writerID, nextSeq: link.seq + 1, head: link.hash)
                    }
                case .end:
                    break scan
                case .torn:
                    torn = file.size - scanner.offset
                    try file.truncate(to: scanner.offset)
                    break scan
                }
            }
            return Recovered(chain: chain, active: file, tornBytesDropped: torn)
        }
        let header = SpoolSegmentHeader(writerID: writerID, firstSeq: 1, prevHash: HashChain.genesis)
        let file = try SpoolSegmentFile.create(directory: directory, header: header)
        return Recovered(chain: HashChain(writerID: writerID), active: file, tornBytesDropped: 0)
    }

    /// Deletes every segment older than `segment` (they have all been shipped).
    static func deleteSegments(olderThan segment: UInt64, in directory: String) throws -> Int {
        var deleted = 0
        for seq in try segmentSeqs(in: directory) where seq < segment {
            try FileManager.default.removeItem(atPath: path(directory, seq))
            deleted += 1
        }
        if deleted > 0 { try SpoolSegmentFile.syncDirectory(directory) }
        return deleted
    }
}

/// Reads records in order across segments, never past the durable position.
final class SpoolReader {
    let directory: String
    let writerID: String
    private var file: SpoolSegmentFile?
    private var scanner: SpoolFrameScanner?
    /// Where the next record starts.
    private(set) var position: SpoolPosition

    init(directory: String, writerID: String) throws {
        self.directory = directory
        self.writerID = writerID
        let first = try Spool.segmentSeqs(in: directory).first ?? 1
        self.position = SpoolPosition(segment: first, offset: 0)
    }

    /// Up to `maximum` records (and about `maximumBytes`) between the current position and `durable`.
    func read(upTo durable: SpoolPosition, maximum: Int, maximumBytes: Int = 8 << 20) throws -> [SpoolRecord] {
        var records: [SpoolRecord] = []
        var bytes = 0
        while records.count < maximum, bytes < maximumBytes, position < durable {
            if file == nil || file!.firstSeq != position.segment {
                let seqs = try Spool.segmentSeqs(in: directory)
                guard let seq = seqs.first(where: { $0 >= position.segment }), seq <= durable.segment else { break }
                let opened = try SpoolSegmentFile.open(path: Spool.path(directory, seq), firstSeq: seq)
                let (header, headerSize) = try SpoolSegmentHeader.decode(try opened.read(at: 0, count: 4096))
                guard header.writerID == writerID else { throw SpoolError("\(opened.path): segment of writer \(header.writerID)") }
                file = opened
                position = SpoolPosition(segment: seq, offset: headerSize)
            }
            let segment = file!
            let end = segment.firstSeq == durable.segment ? durable.offset : try segment.currentSize()
            if position.offset >= end {
                guard segment.firstSeq < durable.segment else { break }
                let seqs = try Spool.segmentSeqs(in: directory)
                guard let next = seqs.first(where: { $0 > segment.firstSeq }) else { break }
                position = SpoolPosition(segment: next, offset: 0)
                continue
            }
            if scanner == nil || scanner!.file !== segment || scanner!.end != end {
                scanner = SpoolFrameScanner(file: segment, from: position.offset, to: end)
            }
            switch try scanner!.next() {
            case .frame(let payload):
                do {
                    records.append(try SpoolRecord.decode(payload, writerID: writerID))
                } catch {
                    throw SpoolError("\(segment.path): record at \(position.offset) does not decode: \(error)")
                }
                bytes += payload.count
                position.offset = scanner!.offset
            case .end:
                continue
            case .torn(let why):
                throw SpoolError("\(segment.path): bad frame at \(position.offset) inside the durable range: \(why)")
            }
        }
        return records
    }
}
