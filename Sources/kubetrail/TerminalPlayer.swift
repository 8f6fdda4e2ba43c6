import Foundation
import Replay
import SessionRecording

/// Plays a recorded session on the terminal as it happened: the pure `PlaybackState` says when
/// each frame is due and what a key does; this writes the frames, sleeps until the next one is
/// due or a key comes, and repositions the reader on a seek. While following a live session,
/// having caught up, it looks for new chunks every `pollInterval`.
final class TerminalPlayer {
    enum Event: Sendable {
        case key(PlayerKey)
        case tick
    }

    /// How the playback stopped.
    enum Outcome {
        case ended
        case quit
    }

    private let reader: SessionChunkReader
    private var state: PlaybackState
    private let pollInterval: Int64
    private let from: Int64
    private let origin = ContinuousClock.now
    private var output: [UInt8] = []

    init(reader: SessionChunkReader, speed: Double, maxIdle: Int64?, duration: Int64?, from: Int64 = 0, pollInterval: Int64 = 500_000) {
        self.from = from
        self.reader = reader
        self.state = PlaybackState(speed: speed, maxIdle: maxIdle, now: 0)
        self.state.duration = duration
        self.pollInterval = pollInterval
    }

    /// Microseconds since the player was made.
    private var now: Int64 {
        let elapsed = (ContinuousClock.now - origin).components
        return elapsed.seconds * 1_000_000 + elapsed.attoseconds / 1_000_000_000_000
    }

    func play() async throws -> Outcome {
        let keys = TerminalKeys.open()
        defer { keys?.restore() }
        let (events, continuation) = AsyncStream<Event>.makeStream()
        keys?.start { continuation.yield(.key($0)) }
        var iterator = events.makeAsyncIterator()
        var timer: Task<Void, Never>?
        defer { timer?.cancel() }
        if from > 0 { try await reader.seek(to: from) }
        state.seeked(to: from, at: now)
        var pending: SessionFrame?
        var caughtUp = false
        while true {
            // Play every frame that is due; stop at the first that is not.
            var wakeAt: Int64?
            while true {
                if pending == nil, !caughtUp {
                    switch try await reader.nextStep() {
                    case .frame(let frame): pending = frame
                    case .caughtUp: caughtUp = true
                    case .ended:
                        flush()
                        return .ended
                    }
                }
                guard let frame = pending else {
                    wakeAt = now + pollInterval
                    break
                }
                guard let due = state.due(frame.offset) else { break }
                let time = now
                if due > time {
                    wakeAt = due
                    break
                }
                if frame.stream == .stdout || frame.stream == .stderr { output += frame.bytes }
                state.played(frame.offset, at: time)
                pending = nil
            }
            flush()
            timer?.cancel()
            if let wakeAt {
                let delay = max(0, wakeAt - now)
                timer = Task {
                    try? await Task.sleep(for: .microseconds(delay))
                    if !Task.isCancelled { continuation.yield(.tick) }
                }
            }
            guard let event = await iterator.next() else { return .ended }
            switch event {
            case .tick:
                caughtUp = false
            case .key(let key):
                switch state.handle(key, at: now) {
                case .none:
                    showStatus()
                case .quit:
                    return .quit
                case .seek(let offset):
                    try await reader.seek(to: offset)
                    pending = nil
                    caughtUp = false
                    output += Array("\u{1B}[H\u{1B}[2J".utf8)
                    state.seeked(to: offset, at: now)
                    showStatus()
                }
            }
        }
    }

    /// The position, speed and pause in the terminal's title (out of the replayed screen's way).
    private func showStatus() {
        let seconds = state.position / 1_000_000
        let speed = state.speed >= 1 ? String(format: "%gx", state.speed) : String(format: "1/%gx", 1 / state.speed)
        let title = "kubetrail replay \(seconds / 60):" + String(format: "%02lld", seconds % 60) + " \(speed)" + (state.isPaused ? " paused" : "")
        output += Array("\u{1B}]2;\(title)\u{07}".utf8)
        flush()
    }

    private func flush() {
        var written = 0
        while written < output.count {
            let n = output[written...].withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                break
            }
            written += n
        }
        output.removeAll(keepingCapacity: true)
    }
}
