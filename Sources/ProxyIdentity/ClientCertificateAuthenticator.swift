import Foundation
@_spi(DisableValidityCheck) import X509

/// Turns a client certificate chain into a ``ProxyIdentity``: CN = user, O = groups, as Kubernetes does.
///
/// TLS has normally verified the chain already; this re-verifies it against the configured CA roots so the
/// authenticator is safe on its own (e.g. with `.optionalVerification`, or a misconfigured TLS context).
/// Checks: validity window (with skew), serial deny-list, not a CA, extendedKeyUsage clientAuth if present,
/// chain to a configured root (RFC 5280 rules, validity of every certificate, EKU nesting), then the names.
public struct ClientCertificateAuthenticator: Sendable {
    /// What the authenticator trusts and how strict it is.
    public struct Configuration: Sendable {
        /// The CA certificates client certificates must chain to.
        public var trustedRoots: [Certificate]
        /// Tolerated clock difference, applied to notBefore and notAfter of every certificate.
        public var clockSkew: TimeInterval
        /// Serial numbers refused although the chain is valid; hex, any case, colons and leading zeros ignored.
        public var revokedSerials: Set<String>
        /// Accept a CN starting with `system:` (e.g. `system:node:…`); off by default.
        public var allowsSystemUsers: Bool
        /// Accept an O starting with `system:` (e.g. `system:masters`); off by default.
        public var allowsSystemGroups: Bool

        public init(
            trustedRoots: [Certificate],
            clockSkew: TimeInterval = 30,
            revokedSerials: some Sequence<String> = [String](),
            allowsSystemUsers: Bool = false,
            allowsSystemGroups: Bool = false
        ) {
            self.trustedRoots = trustedRoots
            self.clockSkew = clockSkew
            self.revokedSerials = Set(revokedSerials)
            self.allowsSystemUsers = allowsSystemUsers
            self.allowsSystemGroups = allowsSystemGroups
        }
    }

    public let configuration: Configuration
    private let normalizedRevokedSerials: Set<String>

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.normalizedRevokedSerials = Set(configuration.revokedSerials.map(Self.normalizeSerial))
    }

    /// Authenticates the peer chain (DER, leaf first, then any intermediates the client sent) at time `now`.
    public func authenticate(peerChain: [[UInt8]], at now: Date) async throws(ClientCertificateError) -> ProxyIdentity {
        guard !peerChain.isEmpty else { throw .noCertificate }
        var certificates: [Certificate] = []
        certificates.reserveCapacity(peerChain.count)
        for (index, der) in peerChain.enumerated() {
            do {
                certificates.append(try Certificate(derEncoded: der))
            } catch {
                throw .malformedCertificate(index: index, reason: String(describing: error))
            }
        }
        return try await self.authenticate(chain: certificates, at: now)
    }

    /// Authenticates an already parsed chain (leaf first) at time `now`.
    public func authenticate(chain: [Certificate], at now: Date) async throws(ClientCertificateError) -> ProxyIdentity {
        guard let leaf = chain.first else { throw .noCertificate }
        let skew = self.configuration.clockSkew

        if leaf.notValidBefore > now.addingTimeInterval(skew) {
            throw .notYetValid(notBefore: leaf.notValidBefore, now: now)
        }
        if leaf.notValidAfter < now.addingTimeInterval(-skew) {
            throw .expired(notAfter: leaf.notValidAfter, now: now)
        }

        let serial = leaf.serialNumber.bytes.lowercaseHex
        if self.normalizedRevokedSerials.contains(Self.normalizeSerial(serial)) {
            throw .revokedSerial(serial)
        }

        do {
            if case .isCertificateAuthority = try leaf.extensions.basicConstraints {
                throw ClientCertificateError.certificateAuthorityAsClient
            }
            if let usage = try leaf.extensions.extendedKeyUsage, !usage.contains(.clientAuth) {
                throw ClientCertificateError.notForClientAuthentication
            }
        } catch let error as ClientCertificateError {
            throw error
        } catch {
            throw .malformedExtension(String(describing: error))
        }

        try await self.verifyChain(leaf: leaf, intermediates: Array(chain.dropFirst()), now: now)

        let (user, groups) = try self.names(of: leaf)
        return ProxyIdentity(
            user: user,
            groups: groups,
            method: .x509,
            credential: .certificateSerial(serial),
            expiry: leaf.notValidAfter
        )
    }

    private func verifyChain(leaf: Certificate, intermediates: [Certificate], now: Date) async throws(ClientCertificateError) {
        let skew = self.configuration.clockSkew
        var verifier = Verifier(rootCertificates: CertificateStore(self.configuration.trustedRoots)) {
            RFC5280Policy.withValidityCheckDisabled()
            ValidityWindowPolicy(now: now, skew: skew)
            ClientAuthUsagePolicy()
        }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates))
        switch result {
        case .validCertificate:
            return
        case .couldNotValidate(let failures):
            let reason =
                failures.isEmpty
                ? "no chain to a configured CA root (issuer \(leaf.issuer))"
                : failures.map { String(describing: $0.policyFailureReason) }.joined(separator: "; ")
            throw .untrustedChain(reason: reason)
        }
    }

    private func names(of leaf: Certificate) throws(ClientCertificateError) -> (user: String, groups: [String]) {
        var commonNames: [String] = []
        var organizations: [String] = []
        for rdn in leaf.subject {
            for attribute in rdn {
                let isCN = attribute.type == .RDNAttributeType.commonName
                let isO = attribute.type == .RDNAttributeType.organizationName
                guard isCN || isO else { continue }
                guard let text = String(attribute.value) else { throw .nonStringName }
                if isCN { commonNames.append(text) } else { organizations.append(text) }
            }
        }
        guard let user = commonNames.first else { throw .missingCommonName }
        guard commonNames.count == 1 else { throw .multipleCommonNames }
        switch IdentityNameRules.checkUser(user, allowSystem: self.configuration.allowsSystemUsers) {
        case .none: break
        case .reservedSystemName: throw .systemUserRefused(user)
        case .empty: throw .missingCommonName
        case .controlCharacter: throw .invalidName(user)
        }
        for group in organizations {
            switch IdentityNameRules.checkGroup(group, allowSystem: self.configuration.allowsSystemGroups) {
            case .none: break
            case .reservedSystemName: throw .systemGroupRefused(group)
            case .empty, .controlCharacter: throw .invalidName(group)
            }
        }
        return (user, organizations)
    }

    /// Lowercase hex digits only, leading zeros dropped, so `00:0A:ff`, `0aff` and `AFF` compare equal.
    static func normalizeSerial(_ serial: String) -> String {
        let digits = serial.lowercased().filter { $0.isHexDigit }
        let trimmed = digits.drop(while: { $0 == "0" })
        return trimmed.isEmpty ? "0" : String(trimmed)
    }
}
