import Crypto
import Foundation

/// A writer's signed statement of its chain head: "my event `seq` has hash `headHash`".
///
/// Signed with the writer's Ed25519 key, so that a superuser who rewrites rows and recomputes
/// every hash still cannot make the chain match a checkpoint. Taken every N events or T seconds.
public struct Checkpoint: Sendable, Hashable {
    public var writerID: String
    public var seq: UInt64
    public var headHash: [UInt8]
    public var createdAt: Date
    public var signature: [UInt8]

    public init(writerID: String, seq: UInt64, headHash: [UInt8], createdAt: Date, signature: [UInt8]) {
        self.writerID = writerID
        self.seq = seq
        self.headHash = headHash
        self.createdAt = createdAt.truncatedToMicroseconds
        self.signature = signature
    }

    /// Signs the head of `chain` as it is now.
    public static func sign(head: ChainLink, at date: Date, with key: Curve25519.Signing.PrivateKey) throws -> Checkpoint {
        let date = date.truncatedToMicroseconds
        let message = signedBytes(writerID: head.writerID, seq: head.seq, headHash: head.hash, createdAt: date)
        let signature = try key.signature(for: message)
        return Checkpoint(writerID: head.writerID, seq: head.seq, headHash: head.hash, createdAt: date, signature: Array(signature))
    }

    public func isValidSignature(for key: Curve25519.Signing.PublicKey) -> Bool {
        key.isValidSignature(signature, for: Self.signedBytes(writerID: writerID, seq: seq, headHash: headHash, createdAt: createdAt))
    }

    /// `"kubetrail-checkpoint-v1" ‖ str(writer) ‖ u64(seq) ‖ hash ‖ i64(µs)`.
    static func signedBytes(writerID: String, seq: UInt64, headHash: [UInt8], createdAt: Date) -> [UInt8] {
        var w = CanonicalByteWriter(reservingCapacity: 96)
        w.write(bytes: Array("kubetrail-checkpoint-v1".utf8))
        w.write(writerID)
        w.write(seq)
        w.write(bytes: headHash)
        w.write(createdAt.microsecondsSince1970)
        return w.bytes
    }
}
