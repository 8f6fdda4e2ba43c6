import Crypto

/// A position in one writer's chain: the link that ties an event to everything before it.
public struct ChainLink: Sendable, Hashable {
    public var writerID: String
    public var seq: UInt64
    public var prevHash: [UInt8]
    public var hash: [UInt8]
}

/// One writer's hash chain: `hash = SHA-256(prev_hash ‖ chain record)`.
///
/// The chain record (`ChainRecord.bytes`) prefixes the event's canonical bytes with the writer
/// id and sequence number, so a row moved to another position or another writer no longer
/// matches its hash. Each proxy replica keeps its own chain: no global lock between replicas.
public struct HashChain: Sendable {
    /// The `prev_hash` of a writer's first event.
    public static let genesis = [UInt8](repeating: 0, count: 32)

    public let writerID: String
    /// The sequence number the next event gets (the first is 1).
    public private(set) var nextSeq: UInt64
    /// The hash of the last event, or `genesis`.
    public private(set) var head: [UInt8]

    public init(writerID: String, nextSeq: UInt64 = 1, head: [UInt8] = HashChain.genesis) {
        self.writerID = writerID
        self.nextSeq = nextSeq
        self.head = head
    }

    /// Chains `canonicalEvent` as the next event, returning its link and its chain record bytes.
    public mutating func append(canonicalEvent: [UInt8]) -> (link: ChainLink, record: [UInt8]) {
        let record = ChainRecord.bytes(writerID: writerID, seq: nextSeq, canonicalEvent: canonicalEvent)
        let hash = Self.hash(prev: head, record: record)
        let link = ChainLink(writerID: writerID, seq: nextSeq, prevHash: head, hash: hash)
        head = hash
        nextSeq += 1
        return (link, record)
    }

    public static func hash(prev: [UInt8], record: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: prev)
        hasher.update(data: record)
        return Array(hasher.finalize())
    }
}

/// The bytes a chain link hashes: `0x01 ‖ str(writer id) ‖ u64(seq) ‖ canonical event`.
public enum ChainRecord {
    public static let version: UInt8 = 1

    public static func bytes(writerID: String, seq: UInt64, canonicalEvent: [UInt8]) -> [UInt8] {
        var w = CanonicalByteWriter(reservingCapacity: canonicalEvent.count + writerID.utf8.count + 16)
        w.write(version)
        w.write(writerID)
        w.write(seq)
        w.write(bytes: canonicalEvent)
        return w.bytes
    }

    /// Splits a chain record into its writer, sequence number and canonical event bytes.
    public static func parse(_ bytes: [UInt8]) throws -> (writerID: String, seq: UInt64, canonicalEvent: [UInt8]) {
        var r = CanonicalByteReader(bytes)
        let version = try r.readByte()
        guard version == Self.version else { throw CanonicalDecodingError("unknown chain record version \(version)") }
        let writer = try r.readString()
        let seq = try r.read(UInt64.self)
        return (writer, seq, Array(bytes[r.offset...]))
    }
}
