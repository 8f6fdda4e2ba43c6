import Foundation

/// Verifies OIDC bearer JWTs against a JWKS that the issuer may rotate.
///
/// Holds the current ``OIDCAuthenticator``. When a token names a `kid` the current keys do not have, the JWKS
/// is fetched again from the source — at most once per `minimumRefreshInterval`, counting failed fetches too, so
/// a flood of tokens with made-up kids cannot make the proxy hammer the issuer — and the token is checked once
/// more against the fresh keys. Concurrent tokens that need a refresh share one fetch. A fetch that fails or
/// yields an unusable JWKS keeps the keys already held.
public actor RefreshingOIDCAuthenticator {
    public nonisolated let configuration: OIDCConfiguration
    private let source: any JWKSSource
    private let minimumRefreshInterval: Duration
    private let clock: @Sendable () -> ContinuousClock.Instant
    private let report: @Sendable (String) -> Void
    private var current: OIDCAuthenticator
    private var lastAttempt: ContinuousClock.Instant
    private var inFlight: Task<OIDCAuthenticator?, Never>?
    /// Counts the key sets put in place, so a token checked against older keys can tell.
    private var generation = 0
    /// How many times the JWKS was fetched after the first time (successfully or not).
    public private(set) var refreshAttempts = 0

    /// Fetches the JWKS once (errors are thrown: the proxy must not start without keys).
    /// - Parameters:
    ///   - minimumRefreshInterval: the shortest time between two fetches prompted by unknown kids.
    ///   - clock: the current time, replaceable in tests.
    ///   - report: told, in a sentence, of every refresh and its outcome (for the log).
    public init(configuration: OIDCConfiguration, source: some JWKSSource, minimumRefreshInterval: Duration = .seconds(30),
                clock: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
                report: @escaping @Sendable (String) -> Void = { _ in }) async throws {
        self.configuration = configuration
        self.source = source
        self.minimumRefreshInterval = minimumRefreshInterval
        self.clock = clock
        self.report = report
        self.current = try await OIDCAuthenticator(configuration: configuration, jwksDocument: try await source.fetchJWKS())
        self.lastAttempt = clock()
    }

    /// Verifies `token` (the part after `Bearer `) at time `now`, refreshing the keys once if its kid is unknown.
    public func authenticate(bearerToken token: String, at now: Date) async throws(OIDCError) -> ProxyIdentity {
        let (tried, triedGeneration) = (current, generation)
        do {
            return try await tried.authenticate(bearerToken: token, at: now)
        } catch {
            guard case .unknownKeyID = error else { throw error }
            // Another token's refresh may have landed while this one was being checked.
            if generation != triedGeneration { return try await current.authenticate(bearerToken: token, at: now) }
            guard let refreshed = await refresh() else { throw error }
            return try await refreshed.authenticate(bearerToken: token, at: now)
        }
    }

    /// The authenticator built from a fresh JWKS; nil when the interval has not passed or the fetch failed.
    private func refresh() async -> OIDCAuthenticator? {
        if let inFlight { return await inFlight.value }
        guard clock() - lastAttempt >= minimumRefreshInterval else { return nil }
        lastAttempt = clock()
        refreshAttempts += 1
        let (configuration, source, report) = (self.configuration, self.source, self.report)
        let task = Task { () -> OIDCAuthenticator? in
            do {
                let fresh = try await OIDCAuthenticator(configuration: configuration, jwksSource: source)
                report("JWKS refreshed: a token named a key id that was not known")
                return fresh
            } catch {
                report("JWKS refresh failed, keeping the keys held: \(error)")
                return nil
            }
        }
        inFlight = task
        let fresh = await task.value
        inFlight = nil
        if let fresh {
            current = fresh
            generation += 1
        }
        return fresh
    }
}
