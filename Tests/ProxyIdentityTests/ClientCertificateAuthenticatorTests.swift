import Foundation
import Testing
import X509

@testable import ProxyIdentity

@Suite struct ClientCertificateAuthenticatorTests {
    let ca: TestCA
    let authenticator: ClientCertificateAuthenticator
    let now = TestCA.now

    init() throws {
        self.ca = try TestCA()
        self.authenticator = ClientCertificateAuthenticator(
            configuration: .init(trustedRoots: [self.ca.certificate], clockSkew: 30, revokedSerials: ["DE:AD:BE:EF"])
        )
    }

    func refusal(_ chain: [Certificate], at time: Date? = nil, with authenticator: ClientCertificateAuthenticator? = nil) async throws -> ClientCertificateError? {
        let authenticator = authenticator ?? self.authenticator
        let peerChain = try chain.map(der)
        do {
            _ = try await authenticator.authenticate(peerChain: peerChain, at: time ?? self.now)
            return nil
        } catch {
            return error
        }
    }

    @Test func validCertificateMapsCNAndO() async throws {
        let leaf = try ca.issue()
        let identity = try await authenticator.authenticate(peerChain: [der(leaf)], at: now)
        #expect(identity.user == "alice")
        #expect(identity.groups == ["dev", "ops", "system:authenticated"])
        #expect(identity.method == .x509)
        #expect(identity.credential == .certificateSerial("01234567"))
        #expect(identity.expiry == leaf.notValidAfter)
    }

    @Test func expiredIsRefusedWithTheExpiry() async throws {
        let leaf = try ca.issue(notBefore: now - 7_200, notAfter: now - 31)
        #expect(try await refusal([leaf]) == .expired(notAfter: leaf.notValidAfter, now: now))
    }

    @Test func expiryWithinSkewIsAccepted() async throws {
        let leaf = try ca.issue(notBefore: now - 7_200, notAfter: now - 29)
        #expect(try await refusal([leaf]) == nil)
    }

    @Test func notYetValidIsRefused() async throws {
        let leaf = try ca.issue(notBefore: now + 31, notAfter: now + 7_200)
        #expect(try await refusal([leaf]) == .notYetValid(notBefore: leaf.notValidBefore, now: now))
        let withinSkew = try ca.issue(notBefore: now + 29, notAfter: now + 7_200)
        #expect(try await refusal([withinSkew]) == nil)
    }

    @Test func otherCAIsRefused() async throws {
        let other = try TestCA(name: "Kubetrail Test CA")  // same name, different key: must not chain
        let leaf = try other.issue()
        let error = try await refusal([leaf])
        guard case .untrustedChain = error else {
            Issue.record("expected untrustedChain, got \(String(describing: error))")
            return
        }
    }

    @Test func otherCAIsRefusedEvenWhenItsRootIsSentAsIntermediate() async throws {
        let other = try TestCA()
        let leaf = try other.issue()
        let error = try await refusal([leaf, other.certificate])
        guard case .untrustedChain = error else {
            Issue.record("expected untrustedChain, got \(String(describing: error))")
            return
        }
    }

    @Test func caCertificateItselfIsNotAClient() async throws {
        // The trusted root presented as the leaf would otherwise be "trusted directly" by the verifier.
        #expect(try await refusal([ca.certificate]) == .certificateAuthorityAsClient)
        let subCA = try ca.issue(isCA: true)
        #expect(try await refusal([subCA]) == .certificateAuthorityAsClient)
    }

    @Test func revokedSerialIsRefusedInAnySpelling() async throws {
        let leaf = try ca.issue(serial: .init(bytes: [0xDE, 0xAD, 0xBE, 0xEF]))
        #expect(try await refusal([leaf]) == .revokedSerial("deadbeef"))
        let padded = ClientCertificateAuthenticator(
            configuration: .init(trustedRoots: [ca.certificate], revokedSerials: ["00deadbeef"])
        )
        #expect(try await refusal([leaf], with: padded) == .revokedSerial("deadbeef"))
        let other = try ca.issue(serial: .init(bytes: [0xDE, 0xAD, 0xBE, 0xEE]))
        #expect(try await refusal([other]) == nil)
    }

    @Test func emptyOrMissingCNIsRefused() async throws {
        let noCN = try ca.issue(subject: DistinguishedName { OrganizationName("dev") })
        #expect(try await refusal([noCN]) == .missingCommonName)
        let emptyCN = try ca.issue(subject: DistinguishedName { CommonName("") })
        #expect(try await refusal([emptyCN]) == .missingCommonName)
    }

    @Test func twoCNsAreAmbiguous() async throws {
        let leaf = try ca.issue(subject: DistinguishedName {
            CommonName("alice")
            CommonName("admin")
        })
        #expect(try await refusal([leaf]) == .multipleCommonNames)
    }

    @Test func systemNamesNeedAnOption() async throws {
        let node = try ca.issue(subject: DistinguishedName { CommonName("system:node:worker-1") })
        #expect(try await refusal([node]) == .systemUserRefused("system:node:worker-1"))
        let masters = try ca.issue(subject: DistinguishedName {
            CommonName("mallory")
            OrganizationName("system:masters")
        })
        #expect(try await refusal([masters]) == .systemGroupRefused("system:masters"))
        let permissive = ClientCertificateAuthenticator(
            configuration: .init(trustedRoots: [ca.certificate], allowsSystemUsers: true, allowsSystemGroups: true)
        )
        #expect(try await refusal([node], with: permissive) == nil)
        #expect(try await refusal([masters], with: permissive) == nil)
    }

    @Test func controlCharactersInNamesAreRefused() async throws {
        let leaf = try ca.issue(subject: DistinguishedName { CommonName("alice\r\nImpersonate-User: admin") })
        #expect(try await refusal([leaf]) == .invalidName("alice\r\nImpersonate-User: admin"))
    }

    @Test func serverOnlyCertificateIsRefused() async throws {
        let leaf = try ca.issue(usages: [.serverAuth])
        #expect(try await refusal([leaf]) == .notForClientAuthentication)
        let noEKU = try ca.issue(usages: nil)
        #expect(try await refusal([noEKU]) == nil)
    }

    @Test func groupsAreDeduplicatedAndAuthenticatedAddedOnce() async throws {
        let leaf = try ca.issue(subject: DistinguishedName {
            CommonName("bob")
            OrganizationName("dev")
            OrganizationName("system:authenticated")
            OrganizationName("dev")
        })
        let identity = try await authenticator.authenticate(peerChain: [der(leaf)], at: now)
        #expect(identity.groups == ["dev", "system:authenticated"])
    }

    @Test func garbageAndEmptyChains() async throws {
        #expect(try await refusal([]) == .noCertificate)
        do {
            _ = try await authenticator.authenticate(peerChain: [[0x30, 0x03, 0x02, 0x01]], at: now)
            Issue.record("garbage accepted")
        } catch {
            guard case .malformedCertificate(index: 0, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
        }
    }

    @Test func expiredRootBreaksTheChain() async throws {
        let oldCA = try TestCA(notBefore: now - 86_400 * 10, notAfter: now - 86_400)
        let leaf = try oldCA.issue()
        let authenticator = ClientCertificateAuthenticator(configuration: .init(trustedRoots: [oldCA.certificate]))
        let error = try await refusal([leaf], with: authenticator)
        guard case .untrustedChain = error else {
            Issue.record("expected untrustedChain, got \(String(describing: error))")
            return
        }
    }
}
