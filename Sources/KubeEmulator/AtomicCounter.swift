import Synchronization

/// A counter shared across threads without a lock.
final class AtomicCounter: Sendable {
    private let value: Atomic<Int>

    init(start: Int) { value = Atomic(start) }

    /// Adds one and returns the new value.
    func increment() -> Int { value.add(1, ordering: .relaxed).newValue }
}
