import Replay
import Testing

/// The player's clock, driven by hand: keys and times in, due times and seeks out.
@Suite struct PlaybackStateTests {
    let s: Int64 = 1_000_000

    @Test func framesAreDueAtTheirOriginalGaps() {
        var state = PlaybackState(now: 0)
        #expect(state.due(s / 2) == s / 2)
        state.played(s / 2, at: s / 2)
        #expect(state.due(s) == s)
        state.played(s, at: s)
        #expect(state.due(4 * s) == 4 * s)
        #expect(state.due(s) == s, "a frame at the position is due at once")
    }

    @Test func speedDividesEveryGap() {
        var state = PlaybackState(speed: 2, now: 0)
        #expect(state.due(s) == s / 2)
        state.played(s, at: s / 2)
        #expect(state.due(5 * s) == s / 2 + 2 * s)
    }

    @Test func maxIdleCapsLongGapsOnly() {
        var state = PlaybackState(maxIdle: 2 * s, now: 0)
        #expect(state.due(s) == s, "a gap under the cap is kept")
        state.played(s, at: s)
        #expect(state.due(60 * s) == 3 * s, "a 59 s pause plays as 2 s")
        state.played(60 * s, at: 3 * s)
        #expect(state.due(60 * s + s / 2) == 3 * s + s / 2)
    }

    @Test func pauseHoldsFramesAndResumeKeepsTheRestOfTheGap() {
        var state = PlaybackState(now: 0)
        #expect(state.handle(.togglePause, at: s) == PlaybackState.Command.none)
        #expect(state.isPaused)
        #expect(state.due(2 * s) == nil)
        _ = state.handle(.togglePause, at: 4 * s)
        #expect(!state.isPaused)
        #expect(state.due(2 * s) == 5 * s, "1 s was played before the pause, 1 s remains after it")
    }

    @Test func aSpeedChangeMidGapPlaysTheRestAtTheNewSpeed() {
        var state = PlaybackState(now: 0)
        _ = state.handle(.faster, at: s)
        #expect(state.speed == 2)
        #expect(state.due(4 * s) == s + 3 * s / 2)
        _ = state.handle(.slower, at: s)
        _ = state.handle(.slower, at: s)
        #expect(state.speed == 0.5)
        #expect(state.due(4 * s) == s + 6 * s)
    }

    @Test func speedStaysWithinItsRange() {
        var state = PlaybackState(now: 0)
        for _ in 0..<20 { _ = state.handle(.faster, at: 0) }
        #expect(state.speed == PlaybackState.speeds.upperBound)
        for _ in 0..<40 { _ = state.handle(.slower, at: 0) }
        #expect(state.speed == PlaybackState.speeds.lowerBound)
    }

    @Test func arrowsSeekFiveSecondsFromWherePlaybackIs() {
        var state = PlaybackState(now: 0)
        state.played(2 * s, at: 2 * s)
        #expect(state.current(at: 3 * s) == 3 * s)
        #expect(state.handle(.seekForward, at: 3 * s) == .seek(8 * s))
        #expect(state.handle(.seekBackward, at: 3 * s) == .seek(0), "not before the start")
        state.duration = 6 * s
        #expect(state.handle(.seekForward, at: 3 * s) == .seek(6 * s), "not past the end")
    }

    @Test func afterASeekTheChunkBeforeTheTargetDrawsAtOnceThenTimingResumes() {
        var state = PlaybackState(now: 0)
        state.seeked(to: 8 * s, at: 10 * s)
        #expect(state.due(7 * s) == 10 * s)
        state.played(7 * s, at: 10 * s)
        #expect(state.position == 8 * s, "frames before the seek point do not move it back")
        #expect(state.due(9 * s) == 11 * s)
    }

    @Test func aSeekWhilePausedDrawsButStaysPaused() {
        var state = PlaybackState(now: 0)
        _ = state.handle(.togglePause, at: s)
        state.seeked(to: 20 * s, at: 2 * s)
        #expect(state.isPaused)
        #expect(state.due(19 * s) == 2 * s)
        #expect(state.due(21 * s) == nil)
        _ = state.handle(.togglePause, at: 5 * s)
        #expect(state.due(21 * s) == 6 * s)
    }

    @Test func smallLatenessIsMadeUpLargeLatenessIsDropped() {
        var state = PlaybackState(now: 0)
        state.played(s, at: s + 100_000)
        #expect(state.due(2 * s) == 2 * s, "100 ms late: the schedule holds")
        state.played(2 * s, at: 3 * s)
        #expect(state.due(3 * s) == 4 * s, "1 s late: the schedule restarts from when it played")
    }

    @Test func qQuits() {
        var state = PlaybackState(now: 0)
        #expect(state.handle(.quit, at: 0) == .quit)
    }
}

@Suite struct PlayerKeyDecoderTests {
    @Test func keysAndArrowSequencesSplitAnywhere() {
        let bytes: [UInt8] = Array(" +-=_q".utf8) + [0x03, 0x1B, 0x5B, 0x43, 0x1B, 0x5B, 0x44, 0x1B, 0x4F, 0x43, 0x1B, 0x5B, 0x31, 0x3B, 0x32, 0x44, 0x78]
        let expected: [PlayerKey] = [.togglePause, .faster, .slower, .faster, .slower, .quit, .quit, .seekForward, .seekBackward, .seekForward, .seekBackward]
        var whole = PlayerKeyDecoder()
        #expect(whole.keys(bytes) == expected)
        for split in 0...bytes.count {
            var decoder = PlayerKeyDecoder()
            let keys = decoder.keys(bytes[..<split]) + decoder.keys(bytes[split...])
            #expect(keys == expected, "split at \(split)")
        }
    }

    @Test func otherSequencesAreDropped() {
        var decoder = PlayerKeyDecoder()
        #expect(decoder.keys([0x1B, 0x5B, 0x41, 0x1B, 0x5B, 0x42, 0x61, 0x20]) == [.togglePause], "up, down and 'a' mean nothing")
    }
}

@Suite struct PlaybackTimelineTests {
    @Test func idleGapsAreCappedThenDividedBySpeed() {
        var capped = PlaybackTimeline(maxIdle: 2_000_000)
        #expect([1_000_000, 10_000_000, 10_500_000, 30_000_000].map { capped.time(of: $0) } == [1_000_000, 3_000_000, 3_500_000, 5_500_000])
        var fast = PlaybackTimeline(speed: 2, maxIdle: 2_000_000)
        #expect([1_000_000, 10_000_000, 10_500_000].map { fast.time(of: $0) } == [500_000, 1_500_000, 1_750_000])
        var original = PlaybackTimeline()
        #expect([3, 7, 7, 100].map { original.time(of: $0) } == [3, 7, 7, 100])
    }
}
