import Foundation
import Proxy
import Testing

@Suite struct ConnectionIdentityCacheTests {
    @Test func aCachedCallerLastsUntilItsCertificateExpires() {
        let cache = ConnectionIdentityCache()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(cache.caller(at: now, generation: 1) == nil)
        let alice = AuthenticatedCaller(user: "alice", groups: ["dev"], method: .x509, credentialID: "serial")
        cache.remember(alice, validUntil: now.addingTimeInterval(60), generation: 1)
        #expect(cache.caller(at: now.addingTimeInterval(59), generation: 1) == alice)
        #expect(cache.caller(at: now.addingTimeInterval(60), generation: 1) == nil, "an expired certificate is verified again (and refused)")
    }

    @Test func aReloadMeansTheCertificateIsVerifiedAgain() {
        let cache = ConnectionIdentityCache()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let alice = AuthenticatedCaller(user: "alice", groups: ["dev"], method: .x509, credentialID: "serial")
        cache.remember(alice, validUntil: now.addingTimeInterval(3600), generation: 1)
        #expect(cache.caller(at: now, generation: 2) == nil, "a caller proved under the old CAs and deny-list is not trusted after a reload")
        cache.remember(alice, validUntil: now.addingTimeInterval(3600), generation: 2)
        #expect(cache.caller(at: now, generation: 2) == alice)
    }
}
