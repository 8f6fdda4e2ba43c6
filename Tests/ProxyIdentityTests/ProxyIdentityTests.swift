import Foundation
import Testing

@testable import ProxyIdentity

@Suite struct ProxyIdentityValueTests {
    @Test func authenticatedGroupExactlyOnceAndDuplicatesRemoved() {
        let identity = ProxyIdentity(
            user: "alice", groups: ["system:authenticated", "dev", "dev", "ops", "system:authenticated"], method: .x509,
            credential: .certificateSerial("01"), expiry: Date(timeIntervalSince1970: 0)
        )
        #expect(identity.groups == ["dev", "ops", "system:authenticated"])
        let none = ProxyIdentity(user: "a", groups: [], method: .oidc, credential: .tokenID("j"), expiry: Date())
        #expect(none.groups == ["system:authenticated"])
    }

    @Test func serialNormalization() {
        #expect(ClientCertificateAuthenticator.normalizeSerial("00:0A:ff") == "aff")
        #expect(ClientCertificateAuthenticator.normalizeSerial("0AFF") == "aff")
        #expect(ClientCertificateAuthenticator.normalizeSerial("00") == "0")
    }

    @Test func base64URLIsStrict() {
        #expect(Base64URL.decode("aGk") == Array("hi".utf8))
        #expect(Base64URL.decode("aGk=") == nil)
        #expect(Base64URL.decode("a+k") == nil)
        #expect(Base64URL.decode("a") == nil)
        #expect(Base64URL.decode("") == [])
    }
}
