/// A run of consecutive frames of one session, stored and chained as one audit event.
public struct FrameChunk: Sendable, Equatable {
    /// 0 for a session's first chunk, then 1, 2, …: gaps show a lost chunk.
    public var index: Int
    /// The offset of the first frame (microseconds since the session started): replay's
    /// seek index.
    public var firstOffset: Int64
    /// The offset of the last frame.
    public var lastOffset: Int64
    public var frames: [SessionFrame]

    public init(index: Int, firstOffset: Int64, lastOffset: Int64, frames: [SessionFrame]) {
        self.index = index
        self.firstOffset = firstOffset
        self.lastOffset = lastOffset
        self.frames = frames
    }
}

/// Groups frames into chunks, cut when they reach `maximumBytes` or are older than
/// `maximumAge` microseconds.
///
/// A chunk is cut by `append` as soon as its encoded size (`FrameChunkEncoding`) reaches
/// `maximumBytes` or its frames span `maximumAge`, the frame just appended included, so one
/// call never has two chunks to give. Frames that wait while nothing is sent are cut by
/// `tick`, which the recorder calls on a timer: that bounds how long a frame stays out of the
/// durable audit trail. `finish` gives what is left when the session ends.
public struct FrameChunker: Sendable {
    /// The encoded size at which a chunk is cut.
    public let maximumBytes: Int
    /// How long, in microseconds, a frame may wait in an open chunk.
    public let maximumAge: Int64

    private var frames: [SessionFrame] = []
    private var encodedBytes = 0
    private var nextIndex = 0

    public init(maximumBytes: Int = 64 * 1024, maximumAge: Int64 = 1_000_000) {
        self.maximumBytes = maximumBytes
        self.maximumAge = maximumAge
    }

    /// Frames waiting in the open chunk.
    public var pendingFrames: Int { frames.count }

    /// Adds a frame; the chunk it completes, if it completes one.
    public mutating func append(_ frame: SessionFrame) -> FrameChunk? {
        encodedBytes += FrameChunkEncoding.encodedSize(of: frame, after: frames.last?.offset ?? 0)
        frames.append(frame)
        if encodedBytes >= maximumBytes || isAged(at: frame.offset) { return cut() }
        return nil
    }

    /// Time-based cut with no new frame: the open chunk if its first frame has waited
    /// `maximumAge` by `offset`.
    public mutating func tick(at offset: Int64) -> FrameChunk? {
        isAged(at: offset) ? cut() : nil
    }

    /// The open chunk, if any frames wait; at the session's end.
    public mutating func finish() -> FrameChunk? {
        frames.isEmpty ? nil : cut()
    }

    private func isAged(at offset: Int64) -> Bool {
        guard let first = frames.first else { return false }
        let (age, overflow) = offset.subtractingReportingOverflow(first.offset)
        return overflow ? offset > first.offset : age >= maximumAge
    }

    private mutating func cut() -> FrameChunk {
        let chunk = FrameChunk(index: nextIndex, firstOffset: frames[0].offset, lastOffset: frames[frames.count - 1].offset, frames: frames)
        nextIndex += 1
        frames.removeAll(keepingCapacity: true)
        encodedBytes = 0
        return chunk
    }
}
