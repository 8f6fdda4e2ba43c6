/// Maps a session's frame offsets to playback times with `--speed` and `--max-idle`, as the
/// terminal player would show them; for formats that carry times (asciicast).
///
/// A gap between frames longer than `maxIdle` counts as `maxIdle` (asciinema's idle time limit),
/// the first frame's gap from the session start included; every gap is then divided by `speed`.
/// Offsets that go backwards (frames from before a seek point) take no time.
public struct PlaybackTimeline: Sendable, Equatable {
    public let speed: Double
    /// Microseconds; nil for no limit.
    public let maxIdle: Int64?
    private var lastOffset: Int64 = 0
    private var lastTime: Double = 0

    /// `origin`: the offset playback starts from (`--from`); earlier frames take no time.
    public init(speed: Double = 1, maxIdle: Int64? = nil, origin: Int64 = 0) {
        precondition(speed > 0, "speed must be positive")
        self.speed = speed
        self.maxIdle = maxIdle
        self.lastOffset = origin
    }

    /// The playback gap for a session gap: capped at `maxIdle`, divided by `speed`.
    public static func wait(_ gap: Int64, speed: Double, maxIdle: Int64?) -> Double {
        var gap = max(0, gap)
        if let maxIdle { gap = min(gap, maxIdle) }
        return Double(gap) / speed
    }

    /// The playback time (microseconds from the start) of the next frame, at `offset`.
    public mutating func time(of offset: Int64) -> Int64 {
        lastTime += Self.wait(offset - lastOffset, speed: speed, maxIdle: maxIdle)
        lastOffset = max(lastOffset, offset)
        return Int64(lastTime.rounded())
    }
}
