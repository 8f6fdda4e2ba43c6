/// Walks the frames of one segment file between two offsets, reading it in large chunks.
struct SpoolFrameScanner {
    enum Step {
        case frame([UInt8])
        /// The clean end of the range.
        case end
        /// A frame that does not check out: cut short by a crash, or damaged.
        case torn(String)
    }

    let file: SpoolSegmentFile
    let end: Int
    /// Where the next frame starts.
    private(set) var offset: Int
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    private var cursor = 0
    private let chunkSize: Int

    init(file: SpoolSegmentFile, from offset: Int, to end: Int, chunkSize: Int = 1 << 20) {
        self.file = file
        self.offset = offset
        self.end = end
        self.chunkSize = chunkSize
        self.bufferStart = offset
    }

    mutating func next() throws -> Step {
        if offset >= end { return .end }
        while true {
            let parsed = buffer.withUnsafeBytes { SpoolFrame.parse($0, at: cursor) }
            switch parsed {
            case .frame(let range, let next):
                cursor = next
                offset = bufferStart + next
                return .frame(Array(buffer[range]))
            case .corrupt(let why):
                return .torn(why)
            case .incomplete:
                let have = buffer.count - cursor
                let available = end - offset
                guard available > have else { return .torn("frame cut short at the end") }
                // Keep the unread tail, then read enough for the whole frame (or a chunk).
                var need = chunkSize
                if have >= SpoolFrame.headerSize {
                    let length = (Int(buffer[cursor]) << 24) | (Int(buffer[cursor + 1]) << 16) | (Int(buffer[cursor + 2]) << 8) | Int(buffer[cursor + 3])
                    need = max(need, SpoolFrame.headerSize + length)
                }
                let more = try file.read(at: offset + have, count: min(available, need) - have)
                guard !more.isEmpty else { return .torn("frame cut short at the end") }
                buffer = Array(buffer[cursor...]) + more
                bufferStart = offset
                cursor = 0
            }
        }
    }
}
