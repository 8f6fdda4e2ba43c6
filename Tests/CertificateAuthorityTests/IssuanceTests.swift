import CertificateAuthority
import Crypto
import Foundation
import SwiftASN1
import Testing
import X509

@Suite struct IssuanceTests {
    let authority: CertificateAuthority

    init() throws {
        self.authority = try CertificateAuthority.generate(name: "Test CA", ttl: .hours(8760), now: Fixtures.now)
    }

    @Test func clientCertificateVerifiesAgainstItsCA() async throws {
        let issued = try authority.issueClient(user: "alice", groups: ["dev", "ops"], ttl: .hours(8), now: Fixtures.now)
        let ok = await Fixtures.verify(issued.certificate, roots: [authority.certificate], at: Fixtures.now.addingTimeInterval(60))
        #expect(ok)
    }

    @Test func clientCertificateFailsAgainstAnotherCA() async throws {
        let other = try CertificateAuthority.generate(name: "Test CA", ttl: .hours(8760), now: Fixtures.now)
        let issued = try authority.issueClient(user: "alice", ttl: .hours(8), now: Fixtures.now)
        let ok = await Fixtures.verify(issued.certificate, roots: [other.certificate], at: Fixtures.now.addingTimeInterval(60))
        #expect(!ok)
    }

    @Test func clientCertificateFailsAfterExpiry() async throws {
        let issued = try authority.issueClient(user: "alice", ttl: .hours(1), now: Fixtures.now)
        let inside = await Fixtures.verify(issued.certificate, roots: [authority.certificate], at: Fixtures.now.addingTimeInterval(3599))
        let after = await Fixtures.verify(issued.certificate, roots: [authority.certificate], at: Fixtures.now.addingTimeInterval(3601))
        #expect(inside)
        #expect(!after)
    }

    @Test func subjectCarriesUserAsCNAndGroupsAsO() throws {
        let issued = try authority.issueClient(user: "alice@example.com", groups: ["dev", "on-call", "Ünïcode team"], now: Fixtures.now)
        #expect(Fixtures.commonNames(issued.certificate.subject) == ["alice@example.com"])
        #expect(Fixtures.organizations(issued.certificate.subject) == ["dev", "on-call", "Ünïcode team"])
        #expect(issued.certificate.issuer == authority.certificate.subject)
    }

    @Test func validityIsExactlyTheTTL() throws {
        let now = Fixtures.now.addingTimeInterval(0.75)  // fractional seconds are truncated, not rounded up
        let issued = try authority.issueClient(user: "alice", ttl: CertificateTTL(seconds: 5400), now: now)
        #expect(issued.certificate.notValidBefore == Fixtures.now)
        #expect(issued.certificate.notValidAfter.timeIntervalSince(issued.certificate.notValidBefore) == 5400)
    }

    @Test func defaultTTLIsEightHours() throws {
        let issued = try authority.issueClient(user: "alice", now: Fixtures.now)
        #expect(issued.certificate.notValidAfter.timeIntervalSince(issued.certificate.notValidBefore) == 8 * 3600)
    }

    @Test func clientExtensions() throws {
        let issued = try authority.issueClient(user: "alice", now: Fixtures.now)
        let extensions = issued.certificate.extensions
        let eku = try #require(try extensions.extendedKeyUsage)
        #expect(Array(eku) == [.clientAuth])
        let keyUsage = try #require(try extensions.keyUsage)
        #expect(keyUsage == KeyUsage(digitalSignature: true))
        #expect(try extensions.basicConstraints == .notCertificateAuthority)
        let ski = try #require(try extensions.subjectKeyIdentifier)
        #expect(ski == SubjectKeyIdentifier(hash: issued.certificate.publicKey))
        let aki = try #require(try extensions.authorityKeyIdentifier)
        let caSKI = try #require(try authority.certificate.extensions.subjectKeyIdentifier)
        #expect(aki.keyIdentifier == caSKI.keyIdentifier)
        #expect(issued.certificate.publicKey == Certificate.PublicKey(issued.privateKey.publicKey))
    }

    @Test func serialNumbersAreSixteenRandomBytes() throws {
        var serials = Set<[UInt8]>()
        for _ in 0..<20 {
            let issued = try authority.issueClient(user: "alice", now: Fixtures.now)
            let bytes = Array(issued.certificate.serialNumber.bytes)
            #expect(bytes.count == 16)
            #expect(bytes[0] & 0x80 == 0)
            serials.insert(bytes)
        }
        #expect(serials.count == 20)
    }

    @Test func authorityCertificateIsACA() throws {
        let certificate = authority.certificate
        #expect(try certificate.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
        let keyUsage = try #require(try certificate.extensions.keyUsage)
        #expect(keyUsage.keyCertSign)
        #expect(Fixtures.commonNames(certificate.subject) == ["Test CA"])
        #expect(certificate.subject == certificate.issuer)
        #expect(certificate.notValidAfter.timeIntervalSince(certificate.notValidBefore) == 8760 * 3600)
        #expect(certificate.publicKey == Certificate.PublicKey(P256.Signing.PublicKey(certificate.publicKey)!))
    }

    @Test func serverCertificateHasSANsAndServerAuth() async throws {
        let issued = try authority.issueServer(hosts: ["127.0.0.1", "localhost", "::1", "Proxy.Example.com"], ttl: .hours(720), now: Fixtures.now)
        let sans = try #require(try issued.certificate.extensions.subjectAlternativeNames)
        #expect(Array(sans) == [
            .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
            .dnsName("localhost"),
            .ipAddress(ASN1OctetString(contentBytes: ArraySlice([UInt8](repeating: 0, count: 15) + [1]))),
            .dnsName("proxy.example.com"),
        ])
        let eku = try #require(try issued.certificate.extensions.extendedKeyUsage)
        #expect(Array(eku) == [.serverAuth])
        #expect(issued.certificate.notValidAfter.timeIntervalSince(issued.certificate.notValidBefore) == 720 * 3600)
        let ok = await Fixtures.verify(issued.certificate, roots: [authority.certificate], at: Fixtures.now.addingTimeInterval(60))
        #expect(ok)
    }

    @Test func certificatesCannotOutliveTheCA() throws {
        let shortCA = try CertificateAuthority.generate(ttl: .hours(10), now: Fixtures.now)
        let late = Fixtures.now.addingTimeInterval(5 * 3600)
        #expect(throws: CertificateAuthorityError.ttlExceedsAuthorityLifetime(
            requestedNotAfter: late.addingTimeInterval(6 * 3600),
            authorityNotAfter: Fixtures.now.addingTimeInterval(10 * 3600)
        )) {
            try shortCA.issueClient(user: "alice", ttl: .hours(6), now: late)
        }
        #expect(throws: CertificateAuthorityError.self) {
            try shortCA.issueServer(hosts: ["localhost"], ttl: .hours(720), now: Fixtures.now)
        }
        _ = try shortCA.issueClient(user: "alice", ttl: .hours(5), now: late)  // exactly up to the CA's end is fine
    }

    @Test func expiredCARefusesToIssue() throws {
        let shortCA = try CertificateAuthority.generate(ttl: .hours(1), now: Fixtures.now)
        let after = Fixtures.now.addingTimeInterval(7200)
        #expect(throws: CertificateAuthorityError.authorityNotValid(
            notValidBefore: Fixtures.now, notValidAfter: Fixtures.now.addingTimeInterval(3600), now: after
        )) {
            try shortCA.issueClient(user: "alice", ttl: .hours(1), now: after)
        }
    }

    @Test func longTTLNeedsExplicitPermission() throws {
        #expect(throws: CertificateAuthorityError.ttlExceedsShortLivedLimit(requestedSeconds: 24 * 3600 + 1, limitSeconds: 24 * 3600)) {
            try authority.issueClient(user: "alice", ttl: CertificateTTL(seconds: 24 * 3600 + 1), now: Fixtures.now)
        }
        _ = try authority.issueClient(user: "alice", ttl: .hours(24), now: Fixtures.now)
        let long = try authority.issueClient(user: "alice", ttl: .hours(72), now: Fixtures.now, allowLongTTL: true)
        #expect(long.certificate.notValidAfter.timeIntervalSince(long.certificate.notValidBefore) == 72 * 3600)
    }

    @Test func systemUsersNeedExplicitPermission() throws {
        #expect(throws: CertificateAuthorityError.reservedSystemName(kind: "user", name: "system:admin")) {
            try authority.issueClient(user: "system:admin", now: Fixtures.now)
        }
        #expect(throws: CertificateAuthorityError.reservedSystemName(kind: "group", name: "system:masters")) {
            try authority.issueClient(user: "alice", groups: ["system:masters"], now: Fixtures.now)
        }
        let issued = try authority.issueClient(user: "system:admin", groups: ["system:masters"], now: Fixtures.now, allowSystemNames: true)
        #expect(Fixtures.commonNames(issued.certificate.subject) == ["system:admin"])
    }
}
