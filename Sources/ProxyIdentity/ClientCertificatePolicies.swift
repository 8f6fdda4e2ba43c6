import Foundation
import SwiftASN1
import X509

/// Every certificate of a candidate chain must be inside its validity window, widened by `skew` on both sides.
///
/// Replaces the expiry part of `RFC5280Policy`, which has no notion of clock skew.
struct ValidityWindowPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = []
    let now: Date
    let skew: TimeInterval

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        for certificate in chain {
            if certificate.notValidBefore > self.now.addingTimeInterval(self.skew) {
                return .failsToMeetPolicy(reason: "certificate \(certificate.subject) not valid before \(certificate.notValidBefore)")
            }
            if certificate.notValidAfter < self.now.addingTimeInterval(-self.skew) {
                return .failsToMeetPolicy(reason: "certificate \(certificate.subject) expired at \(certificate.notValidAfter)")
            }
        }
        return .meetsPolicy
    }
}

/// Where a certificate of the chain carries extendedKeyUsage, it must allow clientAuth (or anyExtendedKeyUsage
/// on CA certificates, as Go's verifier nests EKUs).
struct ClientAuthUsagePolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [.X509ExtensionID.extendedKeyUsage]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        for (index, certificate) in chain.enumerated() {
            let usage: ExtendedKeyUsage?
            do {
                usage = try certificate.extensions.extendedKeyUsage
            } catch {
                return .failsToMeetPolicy(reason: "undecodable extendedKeyUsage in \(certificate.subject)")
            }
            guard let usage else { continue }
            let allowed = usage.contains(.clientAuth) || (index > 0 && usage.contains(.any))
            if !allowed {
                return .failsToMeetPolicy(reason: "extendedKeyUsage of \(certificate.subject) does not allow clientAuth")
            }
        }
        return .meetsPolicy
    }
}
