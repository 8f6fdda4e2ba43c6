/// Puts the output of time slices read at once back in slice order, in bounded memory.
///
/// Each slice's formatted bytes arrive in chunks, from whichever worker reads that slice. The
/// chunks of the slice being written (the oldest one not finished) go straight to `write`; those
/// of later slices are held until their turn, but never more than `capacity` bytes in all: a
/// worker that would go beyond waits. The worker of the current slice never waits, so the output
/// always moves on.
actor OrderedSliceOutput {
    private let write: @Sendable ([UInt8]) throws -> Void
    private let capacity: Int
    private var current = 0
    private var held: [Int: [[UInt8]]] = [:]
    private var heldBytes = 0
    private var finished: Set<Int> = []
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var failed = false

    init(capacity: Int, write: @escaping @Sendable ([UInt8]) throws -> Void) {
        self.capacity = capacity
        self.write = write
    }

    /// Hands over the next chunk of `slice`; returns once it is written or held.
    func deliver(_ chunk: [UInt8], slice: Int) async throws {
        while true {
            if failed { throw CancellationError() }
            if slice == current { return try write(chunk) }
            if heldBytes < capacity {
                held[slice, default: []].append(chunk)
                heldBytes += chunk.count
                return
            }
            await withCheckedContinuation { waiting.append($0) }
        }
    }

    /// `slice` has no more chunks.
    func finish(slice: Int) throws {
        finished.insert(slice)
        while finished.remove(current) != nil {
            current += 1
            if let chunks = held.removeValue(forKey: current) {
                for chunk in chunks {
                    heldBytes -= chunk.count
                    try write(chunk)
                }
            }
        }
        resumeWaiting()
    }

    /// Stops everything: waiting workers wake up and every later call throws.
    func fail() {
        failed = true
        held = [:]
        resumeWaiting()
    }

    private func resumeWaiting() {
        let waiting = self.waiting
        self.waiting = []
        for continuation in waiting { continuation.resume() }
    }
}
