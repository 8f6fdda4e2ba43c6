import AuditSynthetic

/// The seeded generator of the synthetic trails, so "random" tests fail the same way every time
/// (same seed, same cases).
public typealias SplitMix64 = AuditSynthetic.SplitMix64
