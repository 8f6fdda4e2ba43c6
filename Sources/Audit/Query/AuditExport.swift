import Foundation
import Logging
import PostgresNIO

/// `export`: every record of a time range, oldest first, formatted as lines, read over several
/// connections at once.
///
/// The range is cut into time slices. Workers read and format slices in turn (worker w takes
/// slices w, w + workers, …), each slice one ordinary `AuditQuery` answered from the same
/// indexes, and `OrderedSliceOutput` writes their lines in slice order. Slices split on
/// `event_time` and each is ordered by (event_time, writer_id, seq), so the lines come out
/// exactly as one query over the whole range would give them. Memory stays bounded: at most
/// `heldBytes` of later slices wait for their turn; a range whose events crowd into one slice
/// is read at one worker's speed rather than held.
public struct AuditExport: Sendable {
    public var filter: AuditFilter
    public var format: AuditRecordFormat
    public var includeBodies: Bool
    /// Slices read at once (each on its own connection).
    public var workers: Int
    /// Slices the range is cut into, at most.
    public var slices: Int
    /// Lines formatted into one chunk before it is handed on.
    public var chunkBytes = 1 << 16
    /// Bytes of later slices held, at most, while an earlier one is still being read.
    public var heldBytes = 16 << 20

    /// - Parameter filter: must have both `since` and `until`.
    public init(filter: AuditFilter, format: AuditRecordFormat, includeBodies: Bool = false, workers: Int = 2, slices: Int = 256) {
        self.filter = filter
        self.format = format
        self.includeBodies = includeBodies
        self.workers = max(1, workers)
        self.slices = max(1, slices)
    }

    /// The time bounds of each slice: equal spans of whole microseconds, the last one ending at `until`.
    func sliceBounds() -> [(since: Date, until: Date)] {
        guard let since = filter.since, let until = filter.until else { return [] }
        let start = since.microsecondsSince1970
        let end = until.microsecondsSince1970
        guard end > start else { return [] }
        let count = Int64(min(Int64(slices), end - start))
        return (0..<count).map { i in
            (Date(microsecondsSince1970: start + (end - start) * i / count), Date(microsecondsSince1970: start + (end - start) * (i + 1) / count))
        }
    }

    /// Writes every line (each ending in a newline) through `write`, in order; returns how many
    /// records there were. `write` is called from one task at a time, and may block it (a full
    /// pipe): the workers then stop at the held-bytes limit, and so does the database.
    @discardableResult
    public func run(on client: PostgresClient, logger: Logger = DatabaseURL.quietLogger,
                    write: @escaping @Sendable ([UInt8]) throws -> Void) async throws -> Int {
        guard filter.since != nil, filter.until != nil else {
            throw InvalidQueryInput(description: "an export needs both ends of its range (--since and --until)")
        }
        let bounds = sliceBounds()
        let output = OrderedSliceOutput(capacity: heldBytes, write: write)
        let workers = min(self.workers, max(1, bounds.count))
        return try await withThrowingTaskGroup(of: Int.self, returning: Int.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    do {
                        var count = 0
                        for slice in stride(from: worker, to: bounds.count, by: workers) {
                            count += try await read(slice: slice, bounds[slice], into: output, client: client, logger: logger)
                        }
                        return count
                    } catch {
                        await output.fail()
                        throw error
                    }
                }
            }
            var total = 0
            for try await count in group { total += count }
            return total
        }
    }

    private func read(slice: Int, _ bounds: (since: Date, until: Date), into output: OrderedSliceOutput,
                      client: PostgresClient, logger: Logger) async throws -> Int {
        var narrowed = filter
        // The slices of a microsecond-exact range are exact: the original bounds are kept at the ends.
        narrowed.since = slice == 0 ? filter.since : bounds.since
        narrowed.until = bounds.until
        if bounds.until >= filter.until! { narrowed.until = filter.until }
        let query = AuditQuery(filter: narrowed, order: .oldestFirst, includeBodies: includeBodies)
        var chunk: [UInt8] = []
        chunk.reserveCapacity(chunkBytes + 4096)
        var count = 0
        let bodies = StoredBodies.compressed(try ZlibDecompressor())
        // Each line is written from the row's bytes as they arrived (no event is built).
        for try await row in try await client.query(query.statement(), logger: logger) {
            try StoredEventRow.withView(row) { try format.write($0, bodies: bodies, into: &chunk) }
            chunk.append(0x0a)
            count += 1
            if chunk.count >= chunkBytes {
                try await output.deliver(chunk, slice: slice)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        if !chunk.isEmpty { try await output.deliver(chunk, slice: slice) }
        try await output.finish(slice: slice)
        return count
    }
}
