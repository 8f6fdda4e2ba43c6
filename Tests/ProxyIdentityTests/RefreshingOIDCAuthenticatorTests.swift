import Foundation
import Synchronization
import Testing

@testable import ProxyIdentity

/// A JWKS served from memory, to be rotated or broken by the test; counts its fetches.
final class InMemoryJWKSSource: JWKSSource {
    private let state: Mutex<(document: [UInt8], failing: Bool, fetches: Int)>

    init(_ document: [UInt8]) { state = Mutex((document, false, 0)) }

    var fetches: Int { state.withLock { $0.fetches } }
    func publish(_ document: [UInt8]) { state.withLock { $0.document = document } }
    func fail(_ failing: Bool) { state.withLock { $0.failing = failing } }

    func fetchJWKS() async throws -> [UInt8] {
        try state.withLock { state in
            state.fetches += 1
            if state.failing { throw URLError(.cannotConnectToHost) }
            return state.document
        }
    }
}

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let start = ContinuousClock.now
    private let offset = Mutex(Duration.zero)
    func advance(_ duration: Duration) { offset.withLock { $0 += duration } }
    var now: ContinuousClock.Instant { start + offset.withLock { $0 } }
}

@Suite struct RefreshingOIDCAuthenticatorTests {
    let fixtures = JWTFixtures.shared
    let now = JWTFixtures.now

    func make(_ source: InMemoryJWKSSource, _ clock: ManualClock) async throws -> RefreshingOIDCAuthenticator {
        try await RefreshingOIDCAuthenticator(
            configuration: .init(issuer: JWTFixtures.issuer, audience: JWTFixtures.audience), source: source,
            minimumRefreshInterval: .seconds(30), clock: { clock.now })
    }

    func refusal(_ token: String, _ authenticator: RefreshingOIDCAuthenticator) async -> OIDCError? {
        do {
            _ = try await authenticator.authenticate(bearerToken: token, at: now)
            return nil
        } catch {
            return error
        }
    }

    @Test func aRotatedKeyIsFetchedWhenATokenNamesIt() async throws {
        let source = InMemoryJWKSSource(fixtures.jwks([fixtures.rsaJWK]))
        let clock = ManualClock()
        let authenticator = try await make(source, clock)
        let rotated = try await fixtures.sign(JWTFixtures.claims(), with: .ec)
        // Rotation at the issuer: before it, the new kid is unknown and a refresh does not find it.
        clock.advance(.seconds(31))
        #expect(await refusal(rotated, authenticator) == .unknownKeyID("ec-1"))
        #expect(source.fetches == 2)
        source.publish(fixtures.jwks([fixtures.rsaJWK, fixtures.ecJWK]))
        clock.advance(.seconds(31))
        let identity = try await authenticator.authenticate(bearerToken: rotated, at: now)
        #expect(identity.user == "alice")
        #expect(source.fetches == 3)
        // Now known: no more fetching.
        _ = try await authenticator.authenticate(bearerToken: rotated, at: now)
        #expect(source.fetches == 3)
    }

    @Test func unknownKidsFetchAtMostOncePerInterval() async throws {
        let source = InMemoryJWKSSource(fixtures.jwks([fixtures.rsaJWK]))
        let clock = ManualClock()
        let authenticator = try await make(source, clock)
        // Right after start the keys are fresh: an unknown kid does not fetch.
        let madeUp = try await fixtures.sign(JWTFixtures.claims(), kid: "made-up-0")
        #expect(await refusal(madeUp, authenticator) == .unknownKeyID("made-up-0"))
        #expect(source.fetches == 1)
        clock.advance(.seconds(30))
        for index in 1...20 {
            let token = try await fixtures.sign(JWTFixtures.claims(), kid: "made-up-\(index)")
            #expect(await refusal(token, authenticator) == .unknownKeyID("made-up-\(index)"))
            clock.advance(.seconds(1))
        }
        #expect(source.fetches == 2, "twenty made-up kids within the interval: one fetch")
        clock.advance(.seconds(10))
        #expect(await refusal(madeUp, authenticator) == .unknownKeyID("made-up-0"))
        #expect(source.fetches == 3)
        #expect(await authenticator.refreshAttempts == 2)
    }

    @Test func knownKidsAndOtherFailuresNeverFetch() async throws {
        let source = InMemoryJWKSSource(fixtures.jwks([fixtures.rsaJWK]))
        let clock = ManualClock()
        let authenticator = try await make(source, clock)
        clock.advance(.seconds(60))
        let forged = try await fixtures.sign(JWTFixtures.claims(), with: .otherRSA)
        #expect(await refusal(forged, authenticator) == .badSignature)
        let expired = try await fixtures.sign(JWTFixtures.claims(["exp": now.timeIntervalSince1970 - 3600]))
        #expect(await refusal(expired, authenticator) != nil)
        #expect(source.fetches == 1)
    }

    @Test func aFailedRefreshKeepsTheKeysHeld() async throws {
        let source = InMemoryJWKSSource(fixtures.jwks([fixtures.rsaJWK]))
        let clock = ManualClock()
        let authenticator = try await make(source, clock)
        source.fail(true)
        clock.advance(.seconds(31))
        let rotated = try await fixtures.sign(JWTFixtures.claims(), with: .ec)
        #expect(await refusal(rotated, authenticator) == .unknownKeyID("ec-1"))
        let good = try await fixtures.sign(JWTFixtures.claims())
        #expect(await refusal(good, authenticator) == nil)
        // An unusable document is no better than none.
        source.fail(false)
        source.publish(Array("{\"keys\": []}".utf8))
        clock.advance(.seconds(31))
        #expect(await refusal(rotated, authenticator) == .unknownKeyID("ec-1"))
        #expect(await refusal(good, authenticator) == nil)
        #expect(source.fetches == 3)
    }

    @Test func concurrentTokensShareOneFetch() async throws {
        let source = InMemoryJWKSSource(fixtures.jwks([fixtures.rsaJWK]))
        let clock = ManualClock()
        let authenticator = try await make(source, clock)
        source.publish(fixtures.jwks([fixtures.rsaJWK, fixtures.ecJWK]))
        clock.advance(.seconds(31))
        let rotated = try await fixtures.sign(JWTFixtures.claims(), with: .ec)
        let accepted = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<16 {
                group.addTask { (try? await authenticator.authenticate(bearerToken: rotated, at: JWTFixtures.now)) != nil }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(accepted == 16)
        #expect(source.fetches == 2)
    }

    @Test func noKeysAtStartIsAnError() async throws {
        let source = InMemoryJWKSSource([])
        source.fail(true)
        await #expect(throws: (any Error).self) { _ = try await make(source, ManualClock()) }
    }
}
