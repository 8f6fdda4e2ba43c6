/// The terminal player's clock, without a terminal: it takes keys and the time, and says when
/// each frame is due and where to seek. Times are microseconds of a monotonic clock the caller
/// reads; offsets are microseconds since the session started.
///
/// Playing, a frame at offset `f` is due `PlaybackTimeline.wait(f - position)` after the moment
/// `position` was reached (`anchor`): the original gap, capped at `maxIdle`, divided by `speed`.
/// A frame at or before `position` (what precedes a seek point in its chunk) is due at once,
/// even paused, so a seek redraws right away. Lateness up to `catchUp` is made up by playing
/// the next gaps shorter; beyond it, the schedule restarts from now rather than rushing.
public struct PlaybackState: Sendable, Equatable {
    /// How far ← and → move.
    public static let seekStep: Int64 = 5_000_000
    /// The speeds `+` and `−` step through (doubling and halving).
    public static let speeds: ClosedRange<Double> = 1.0 / 16...64
    /// Lateness beyond this is dropped rather than made up.
    public static let catchUp: Int64 = 250_000

    public private(set) var speed: Double
    /// Microseconds; nil for no limit.
    public let maxIdle: Int64?
    /// The session's length, when its end is known, so a seek forward stops there.
    public var duration: Int64?
    public var isPaused: Bool { pausedAt != nil }
    /// The offset playback has reached: the last frame played, or where a seek landed.
    public private(set) var position: Int64 = 0
    /// When `position` was reached (moved on by a pause's length on resume).
    private var anchor: Int64
    private var pausedAt: Int64?

    /// What the caller does after a key.
    public enum Command: Sendable, Equatable {
        /// Nothing to do but wait for the next due frame (speed or pause changed).
        case none
        /// Read on from this offset: reposition the reader, then call `seeked(to:at:)`.
        case seek(Int64)
        case quit
    }

    public init(speed: Double = 1, maxIdle: Int64? = nil, now: Int64) {
        self.speed = min(max(speed, Self.speeds.lowerBound), Self.speeds.upperBound)
        self.maxIdle = maxIdle
        self.anchor = now
    }

    /// When the frame at `offset` is due; nil while paused (unless it is already behind `position`).
    public func due(_ offset: Int64) -> Int64? {
        if offset <= position { return pausedAt ?? anchor }
        if isPaused { return nil }
        return anchor + Int64(PlaybackTimeline.wait(offset - position, speed: speed, maxIdle: maxIdle).rounded())
    }

    /// The frame at `offset` was played at `now`.
    public mutating func played(_ offset: Int64, at now: Int64) {
        guard offset > position, let due = due(offset) else { return }
        position = offset
        anchor = now - due > Self.catchUp ? now : due
    }

    /// The offset playback has reached by `now`, counting the time since the last frame.
    public func current(at now: Int64) -> Int64 {
        let elapsed = Double(max(0, (pausedAt ?? now) - anchor)) * speed
        var progressed = Int64(elapsed.rounded())
        if let maxIdle { progressed = min(progressed, maxIdle) }
        return position + progressed
    }

    public mutating func handle(_ key: PlayerKey, at now: Int64) -> Command {
        switch key {
        case .togglePause:
            if let pausedAt {
                anchor += now - pausedAt
                self.pausedAt = nil
            } else {
                pausedAt = now
            }
            return .none
        case .faster, .slower:
            let newSpeed = min(max(key == .faster ? speed * 2 : speed / 2, Self.speeds.lowerBound), Self.speeds.upperBound)
            // Keep the progress made through the current gap: the rest of it plays at the new speed.
            let reference = pausedAt ?? now
            let progressed = Double(reference - anchor) * speed
            speed = newSpeed
            anchor = reference - Int64((progressed / speed).rounded())
            return .none
        case .seekForward, .seekBackward:
            var target = current(at: now) + (key == .seekForward ? Self.seekStep : -Self.seekStep)
            if let duration { target = min(target, duration) }
            return .seek(max(0, target))
        case .quit:
            return .quit
        }
    }

    /// The reader was repositioned to `offset` at `now`: playing goes on from there.
    public mutating func seeked(to offset: Int64, at now: Int64) {
        position = offset
        anchor = now
        if isPaused { pausedAt = now }
    }
}
