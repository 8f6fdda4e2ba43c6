import Foundation
import Proxy
import Testing

@Suite struct ConnectionIdentityCacheTests {
    @Test func aCachedCallerLastsUntilItsCertificateExpires() {
        let cache = ConnectionIdentityCache()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(cache.caller(at: now) == nil)
        let alice = AuthenticatedCaller(user: "alice", groups: ["dev"], method: .x509, credentialID: "serial")
        cache.remember(alice, validUntil: now.addingTimeInterval(60))
        #expect(cache.caller(at: now.addingTimeInterval(59)) == alice)
        #expect(cache.caller(at: now.addingTimeInterval(60)) == nil, "an expired certificate is verified again (and refused)")
    }
}
