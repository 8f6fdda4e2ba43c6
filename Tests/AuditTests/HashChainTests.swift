import Crypto
import Foundation
import Testing

@testable import Audit

@Suite struct HashChainTests {
    @Test func linksEachEventToThePreviousHash() throws {
        var chain = HashChain(writerID: "w1")
        let a = chain.append(canonicalEvent: [1, 2, 3])
        let b = chain.append(canonicalEvent: [4, 5])
        #expect(a.link.seq == 1 && b.link.seq == 2)
        #expect(a.link.prevHash == HashChain.genesis)
        #expect(b.link.prevHash == a.link.hash)
        #expect(a.link.hash == Array(SHA256.hash(data: HashChain.genesis + a.record)))
        #expect(chain.head == b.link.hash && chain.nextSeq == 3)
        let parsed = try ChainRecord.parse(b.record)
        #expect(parsed.writerID == "w1" && parsed.seq == 2 && parsed.canonicalEvent == [4, 5])
    }

    @Test func theSameEventAtAnotherPositionOrWriterHashesDifferently() {
        var one = HashChain(writerID: "w1")
        var other = HashChain(writerID: "w2")
        #expect(one.append(canonicalEvent: [9]).link.hash != other.append(canonicalEvent: [9]).link.hash)
        var resumed = HashChain(writerID: "w1", nextSeq: 5, head: HashChain.genesis)
        var fresh = HashChain(writerID: "w1")
        #expect(resumed.append(canonicalEvent: [9]).link.hash != fresh.append(canonicalEvent: [9]).link.hash)
    }

    @Test func checkpointsVerifyOnlyWithTheirKeyAndContent() throws {
        let key = Curve25519.Signing.PrivateKey()
        var chain = HashChain(writerID: "w1")
        let link = chain.append(canonicalEvent: [1]).link
        let cp = try Checkpoint.sign(head: link, at: Date(), with: key)
        #expect(cp.isValidSignature(for: key.publicKey))
        #expect(!cp.isValidSignature(for: Curve25519.Signing.PrivateKey().publicKey))
        var moved = cp; moved.seq = 2
        #expect(!moved.isValidSignature(for: key.publicKey))
        var rehashed = cp; rehashed.headHash[0] ^= 1
        #expect(!rehashed.isValidSignature(for: key.publicKey))
        var renamed = cp; renamed.writerID = "w2"
        #expect(!renamed.isValidSignature(for: key.publicKey))
    }
}
