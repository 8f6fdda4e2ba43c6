/// One place where the stored trail is not what its writer chained and signed.
public struct ChainDamage: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// A row's content, hash or a column no longer matches what was chained.
        case edited
        /// Rows are absent from the middle of a chain.
        case missing
        /// A row was added that the writer never chained.
        case inserted
        /// A row sits at a position other than the one it was chained at.
        case reordered
        /// Rows a signed checkpoint vouches for are gone from the end of the chain.
        case tailCut = "tail cut"
        /// A checkpoint's signature does not verify with the writer's public key.
        case badSignature = "bad signature"
    }

    public var writerID: String
    public var seq: UInt64
    public var kind: Kind
    public var detail: String

    public var description: String { "writer \(writerID) seq \(seq): \(kind.rawValue) (\(detail))" }
}

/// What `kubetrail verify` found.
public struct VerificationReport: Sendable {
    public var eventsTotal = 0
    public var eventsValid = 0
    public var checkpointsTotal = 0
    public var checkpointsValid = 0
    /// In the order found: the first is the first bad position of its writer.
    public var damages: [ChainDamage] = []
    /// Per writer, events chained after its last signed checkpoint (not yet vouched for).
    public var unsignedTail: [String: Int] = [:]
    public var writers: [String] = []

    public var isIntact: Bool { damages.isEmpty }

    public var summary: String {
        "\(eventsValid)/\(eventsTotal) events valid, \(checkpointsValid)/\(checkpointsTotal) checkpoints valid"
    }
}
