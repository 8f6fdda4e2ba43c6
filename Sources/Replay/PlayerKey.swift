/// What a key pressed during playback asks for.
public enum PlayerKey: Sendable, Equatable {
    /// Space.
    case togglePause
    /// → (5 seconds on).
    case seekForward
    /// ← (5 seconds back).
    case seekBackward
    /// `+` (or `=`, the same key without shift).
    case faster
    /// `-` (or `_`).
    case slower
    /// `q`, or Ctrl-C (the terminal is raw while playing, so it arrives as a byte).
    case quit
}

/// Turns bytes read from a raw terminal into keys, an arrow's escape sequence possibly split
/// across reads. Unknown bytes and sequences are dropped.
public struct PlayerKeyDecoder: Sendable {
    /// The start of an escape sequence waiting for its end.
    private var pending: [UInt8] = []

    public init() {}

    public mutating func keys(_ bytes: some Sequence<UInt8>) -> [PlayerKey] {
        var keys: [PlayerKey] = []
        for byte in bytes {
            if !pending.isEmpty {
                pending.append(byte)
                // ESC [ C / ESC O C (application cursor mode), with optional parameters (ESC [ 1 ; 2 C).
                if pending.count == 2 {
                    if byte != UInt8(ascii: "[") && byte != UInt8(ascii: "O") { pending = [] }
                    continue
                }
                if (0x30...0x3F).contains(byte), pending.count < 8 { continue }
                switch byte {
                case UInt8(ascii: "C"): keys.append(.seekForward)
                case UInt8(ascii: "D"): keys.append(.seekBackward)
                default: break
                }
                pending = []
                continue
            }
            switch byte {
            case 0x1B: pending = [byte]
            case UInt8(ascii: " "): keys.append(.togglePause)
            case UInt8(ascii: "+"), UInt8(ascii: "="): keys.append(.faster)
            case UInt8(ascii: "-"), UInt8(ascii: "_"): keys.append(.slower)
            case UInt8(ascii: "q"), UInt8(ascii: "Q"), 0x03: keys.append(.quit)
            default: break
            }
        }
        return keys
    }
}
