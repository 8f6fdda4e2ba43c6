import Audit
import Foundation
import KubeAPI
import Logging
import NIOSSL
import Proxy
import ProxyConfiguration
import ProxyIdentity
import X509

/// Wires the proxy core to its feature modules: certificate and OIDC authentication
/// (ProxyIdentity), the policy engine and audit levels (ProxyConfiguration).
enum ProxyHooksFactory {
    /// `generation` numbers the configuration: a connection's cached certificate caller is only
    /// reused under the configuration that proved it.
    static func hooks(_ settings: ProxyConfiguration, clientCAs: [NIOSSLCertificate], configPath: String, generation: Int) async throws -> ProxyPolicyHooks {
        let roots = try clientCAs.map { try Certificate(derEncoded: try $0.toDERBytes()) }
        let certificates = roots.isEmpty ? nil : ClientCertificateAuthenticator(configuration: .init(trustedRoots: roots))
        let bearer: RefreshingOIDCAuthenticator?
        if let oidc = settings.oidc { bearer = try await authenticator(oidc, configPath: configPath) } else { bearer = nil }
        let policy = PolicyEngine(policy: settings.policy)
        let levels = settings.audit.levels

        return ProxyPolicyHooks(
            authenticate: { facts, headers in
                let now = Date()
                if !facts.peerCertificateChain.isEmpty, let certificates {
                    if let cached = facts.identityCache.caller(at: now, generation: generation) { return .success(cached) }
                    do {
                        let identity = try await certificates.authenticate(peerChain: facts.peerCertificateChain, at: now)
                        let authenticated = caller(identity)
                        facts.identityCache.remember(authenticated, validUntil: identity.expiry, generation: generation)
                        return .success(authenticated)
                    } catch {
                        return .failure(AuthenticationRefusal("client certificate: \(error)", kind: "certificate"))
                    }
                }
                if let authorization = headers.last(where: { $0.0.lowercased() == "authorization" })?.1 {
                    let parts = authorization.split(separator: " ", maxSplits: 1)
                    guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                        return .failure(AuthenticationRefusal("Authorization header is not a bearer token", kind: "malformed"))
                    }
                    guard let oidc = bearer else { return .failure(AuthenticationRefusal("bearer token given but OIDC is not configured", kind: "bearer")) }
                    do {
                        return .success(caller(try await oidc.authenticate(bearerToken: String(parts[1]), at: now)))
                    } catch {
                        return .failure(AuthenticationRefusal("bearer token: \(error)", kind: "bearer"))
                    }
                }
                return .failure(AuthenticationRefusal("no client certificate and no bearer token", kind: "missing"))
            },
            authorize: { caller, cluster, info in
                decision(policy.decide(identity: Identity(user: caller.user, groups: caller.groups), cluster: cluster, request: attributes(info)))
            },
            impersonation: { headers in
                do {
                    guard let asked = try ClientImpersonationRequest.parse(headers.map { (name: $0.0, value: $0.1) }) else { return .success(nil) }
                    return .success(ImpersonationRequest(user: asked.user, groups: asked.groups))
                } catch {
                    return .failure(AuthenticationRefusal("\(error)"))
                }
            },
            mayImpersonate: { caller, cluster, asked in
                decision(policy.mayImpersonate(identity: Identity(user: caller.user, groups: caller.groups), cluster: cluster,
                                               user: asked.user, groups: asked.groups))
            },
            auditLevel: { caller, cluster, info in
                let decided = levels.level(for: attributes(info), identity: Identity(user: caller.user, groups: caller.groups), cluster: cluster)
                return RequestAuditLevel(level: level(decided.level), omitStages: Set(decided.omitStages.map(stage)))
            })
    }

    static func level(_ level: AuditLevel) -> AuditEvent.Level {
        switch level {
        case .none: .none
        case .metadata: .metadata
        case .request: .request
        case .requestResponse: .requestResponse
        }
    }

    static func stage(_ stage: AuditStage) -> AuditEvent.Stage {
        switch stage {
        case .requestReceived: .requestReceived
        case .responseStarted: .responseStarted
        case .responseComplete: .responseComplete
        case .panic: .panic
        }
    }

    /// The OIDC authenticator, its JWKS read or fetched now: a proxy without keys does not start.
    /// Later, a token naming an unknown key id makes it read or fetch the JWKS again (rotation).
    static func authenticator(_ settings: OIDCSettings, configPath: String) async throws -> RefreshingOIDCAuthenticator {
        var configuration = OIDCConfiguration(issuer: settings.issuer, audience: settings.audience)
        configuration.usernameClaim = settings.usernameClaim
        configuration.groupsClaim = settings.groupsClaim
        configuration.usernamePrefix = settings.usernamePrefix.isEmpty ? nil : settings.usernamePrefix
        configuration.groupsPrefix = settings.groupsPrefix.isEmpty ? nil : settings.groupsPrefix
        configuration.allowedAlgorithms = Set(settings.allowedAlgorithms)
        let logger = Logger(label: "kubetrail.oidc")
        let report: @Sendable (String) -> Void = { logger.notice("\($0)") }
        switch settings.jwks {
        case .file(let path):
            do {
                return try await RefreshingOIDCAuthenticator(configuration: configuration, source: JWKSFileSource(path: path.resolved),
                                                             minimumRefreshInterval: settings.jwksRefreshInterval, report: report)
            } catch {
                throw CommandFailure(description: "\(configPath): oidc.jwks_file: \(path.given): \(error)")
            }
        case .url(let url):
            var roots: [NIOSSLCertificate] = []
            if let ca = settings.jwksCAFile {
                do { roots = try NIOSSLCertificate.fromPEMFile(ca.resolved) } catch {
                    throw CommandFailure(description: "\(configPath): oidc.jwks_ca_file: \(ca.given): cannot load: \(error)")
                }
            }
            do {
                return try await RefreshingOIDCAuthenticator(configuration: configuration, source: HTTPSJWKSSource(url: url, trustRoots: roots),
                                                             minimumRefreshInterval: settings.jwksRefreshInterval, report: report)
            } catch let error as HTTPSJWKSSource.FetchError {
                throw CommandFailure(description: "\(configPath): oidc.jwks_url: \(error)")  // it names the URL
            } catch {
                throw CommandFailure(description: "\(configPath): oidc.jwks_url: \(url): \(error)")
            }
        }
    }

    static func caller(_ identity: ProxyIdentity) -> AuthenticatedCaller {
        AuthenticatedCaller(user: identity.user, groups: identity.groups, method: identity.method == .x509 ? .x509 : .oidc,
                            credentialID: identity.credential.description)
    }

    static func decision(_ decision: PolicyDecision) -> AccessDecision {
        AccessDecision(allowed: decision.allowed, rule: decision.rule, reason: decision.reason)
    }

    static func attributes(_ info: RequestInfo) -> RequestAttributes {
        info.isResourceRequest
            ? .resource(info.verb, info.resource, subresource: info.subresource, apiGroup: info.apiGroup, namespace: info.namespace, name: info.name)
            : .nonResource(info.verb, path: info.path)
    }
}
