import Foundation
import Testing

@testable import Audit

@Suite struct WriterIdentityTests {
    @Test func createsAPrivateKeyOnceAndReloadsIt() throws {
        let dir = try TemporaryDirectory()
        let first = try WriterIdentity.loadOrCreate(in: dir.path)
        let again = try WriterIdentity.loadOrCreate(in: dir.path)
        #expect(first.writerID == again.writerID)
        #expect(first.publicKey.rawRepresentation == again.publicKey.rawRepresentation)
        let mode = try FileManager.default.attributesOfItem(atPath: dir.path + "/writer.key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func refusesAKeyOthersCanRead() throws {
        let dir = try TemporaryDirectory()
        _ = try WriterIdentity.loadOrCreate(in: dir.path)
        chmod(dir.path + "/writer.key", 0o644)
        #expect(throws: WriterIdentityError.self) { try WriterIdentity.loadOrCreate(in: dir.path) }
    }

    @Test func thePublicKeyPEMLoadsForVerification() throws {
        let dir = try TemporaryDirectory()
        let identity = try WriterIdentity.loadOrCreate(in: dir.path)
        let other = try WriterIdentity.loadOrCreate(in: try TemporaryDirectory().path + "-x")
        let keys = try ChainVerifier.loadPublicKeys(pem: identity.publicKeyPEM + other.publicKeyPEM)
        #expect(keys.count == 2)
        #expect(keys[identity.writerID]?.rawRepresentation == identity.publicKey.rawRepresentation)
        #expect(throws: (any Error).self) { try ChainVerifier.loadPublicKeys(pem: "nothing here") }
    }

    @Test func aWipedStateDirectoryIsANewWriter() throws {
        let a = try TemporaryDirectory()
        let b = try TemporaryDirectory()
        #expect(try WriterIdentity.loadOrCreate(in: a.path).writerID != WriterIdentity.loadOrCreate(in: b.path).writerID)
    }
}
