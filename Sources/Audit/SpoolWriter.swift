/// The append side of the spool: writes framed records to the active segment, fsyncs, rolls.
///
/// Blocking file I/O; the pipeline runs it on a thread pool, one flush at a time, which is
/// what makes the unchecked Sendable safe: no two threads ever touch it at once.
final class SpoolWriter: @unchecked Sendable {
    let directory: String
    let writerID: String
    let segmentSize: Int
    private(set) var active: SpoolSegmentFile
    /// Everything before this position is on disk and fsync'd.
    private(set) var durable: SpoolPosition

    init(directory: String, writerID: String, active: SpoolSegmentFile, segmentSize: Int) {
        self.directory = directory
        self.writerID = writerID
        self.active = active
        self.segmentSize = segmentSize
        self.durable = SpoolPosition(segment: active.firstSeq, offset: active.size)
    }

    func write(_ bytes: [UInt8]) throws {
        try active.append(bytes)
    }

    /// Makes everything written so far durable and returns the new durable position.
    @discardableResult
    func sync() throws -> SpoolPosition {
        try active.sync()
        durable = SpoolPosition(segment: active.firstSeq, offset: active.size)
        return durable
    }

    /// Seals the active segment (already synced) and starts the next, when it has grown past the size.
    /// `nextSeq` and `head` are the chain's state after the last record written.
    func rollIfFull(nextSeq: UInt64, head: [UInt8]) throws {
        guard active.size >= segmentSize, durable.offset == active.size else { return }
        let header = SpoolSegmentHeader(writerID: writerID, firstSeq: nextSeq, prevHash: head)
        active = try SpoolSegmentFile.create(directory: directory, header: header)
        durable = SpoolPosition(segment: active.firstSeq, offset: active.size)
    }
}
