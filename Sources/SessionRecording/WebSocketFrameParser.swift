/// Splits one direction of a WebSocket connection (RFC 6455) into message events, without
/// buffering payload.
///
/// Written here rather than taken from NIOWebSocket because NIOWebSocket's decoder is a
/// channel handler and accumulates whole frames; a tap must be a pure function of the bytes
/// it is shown and must not hold a large frame in memory. Payload bytes are unmasked and
/// passed on as they arrive; only a frame header (at most 14 bytes) and a control frame's
/// payload (at most 125 bytes) are ever held.
///
/// It accepts what either peer may send: masked (client) and unmasked (server) frames,
/// fragmented messages with control frames between the fragments, 7-, 16- and 64-bit
/// lengths, bytes split at any boundary. It refuses, and then stays failed, what no peer of a
/// Kubernetes session sends: reserved bits (an extension such as permessage-deflate), unknown
/// opcodes, fragmented or oversized control frames, a continuation outside a message, a new
/// message inside one, and frames longer than `maximumFrameLength`.
struct WebSocketFrameParser: Sendable {
    /// What the bytes said, in order.
    enum Event: Equatable, Sendable {
        /// The first frame of a data message arrived: binary, or text.
        case messageStarted(binary: Bool)
        /// Unmasked payload bytes of the current data message.
        case payload([UInt8])
        /// The last frame of the current data message ended.
        case messageEnded
        /// A whole ping (9), pong (10) or close (8) frame.
        case control(opcode: UInt8, payload: [UInt8])
    }

    /// The longest frame accepted, in payload bytes. Kubernetes peers write frames of at most
    /// a few tens of KiB; anything near this limit is garbage or hostile.
    let maximumFrameLength: UInt64

    private enum State: Sendable {
        case header
        case payload(Payload)
    }

    private struct Payload: Sendable {
        var opcode: UInt8
        /// RSV1-3 as they stand in the first header byte (0x70 mask).
        var reservedBits: UInt8
        var remaining: UInt64
        var mask: UInt32?
        /// Which mask byte applies to the next payload byte.
        var maskPhase: Int
        /// The opcode of a control frame being collected; nil for data.
        var control: UInt8?
        var fin: Bool
    }

    private var state = State.header
    private var header: [UInt8] = []
    private var controlPayload: [UInt8] = []
    private var inMessage = false
    private(set) var failure: String?

    init(maximumFrameLength: UInt64 = 16 * 1024 * 1024) {
        self.maximumFrameLength = maximumFrameLength
        header.reserveCapacity(14)
    }

    /// Parses the next bytes of the stream: the events they complete. When they cannot be
    /// parsed, the events before the fault are returned, `failure` says why, and nothing more
    /// is ever parsed.
    mutating func parse(_ bytes: UnsafeRawBufferPointer) -> [Event] {
        guard failure == nil else { return [] }
        var events: [Event] = []
        var index = 0
        while index < bytes.count {
            switch state {
            case .header:
                header.append(bytes[index])
                index += 1
                switch headerComplete() {
                case .success(let payload?):
                    header.removeAll(keepingCapacity: true)
                    if let reason = begin(payload, events: &events) {
                        fail(reason)
                        return events
                    }
                case .success(nil):
                    continue
                case .failure(let error):
                    fail(error.reason)
                    return events
                }
            case .payload(var payload):
                let count = Int(min(payload.remaining, UInt64(bytes.count - index)))
                var chunk = Array(bytes[index..<(index + count)])
                index += count
                if let mask = payload.mask {
                    payload.maskPhase = Self.unmask(&chunk, mask: mask, phase: payload.maskPhase)
                }
                payload.remaining -= UInt64(count)
                if payload.control != nil {
                    controlPayload.append(contentsOf: chunk)
                } else if !chunk.isEmpty {
                    events.append(.payload(chunk))
                }
                if payload.remaining == 0 {
                    finish(payload, events: &events)
                } else {
                    state = .payload(payload)
                }
            }
        }
        return events
    }

    /// The frame whose header is now complete, nil when more header bytes are needed.
    private func headerComplete() -> Result<Payload?, WebSocketParseError> {
        guard header.count >= 2 else { return .success(nil) }
        let masked = header[1] & 0x80 != 0
        let shortLength = header[1] & 0x7F
        let extendedBytes = shortLength == 126 ? 2 : shortLength == 127 ? 8 : 0
        let needed = 2 + extendedBytes + (masked ? 4 : 0)
        guard header.count == needed else { return .success(nil) }
        var length = UInt64(shortLength)
        if extendedBytes > 0 {
            length = header[2..<(2 + extendedBytes)].reduce(0) { $0 << 8 | UInt64($1) }
            guard length & (1 << 63) == 0 else {
                return .failure(WebSocketParseError(reason: "64-bit frame length with the most significant bit set"))
            }
        }
        let mask = masked ? header[(needed - 4)..<needed].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } : nil
        let opcode = header[0] & 0x0F
        return .success(Payload(
            opcode: opcode, reservedBits: header[0] & 0x70, remaining: length, mask: mask, maskPhase: 0,
            control: opcode >= 8 ? opcode : nil, fin: header[0] & 0x80 != 0))
    }

    /// Checks a frame against the message state and starts it; the reason when it is refused.
    private mutating func begin(_ payload: Payload, events: inout [Event]) -> String? {
        let opcode = payload.opcode
        if payload.reservedBits != 0 {
            return "reserved bits \(payload.reservedBits >> 4) set (an extension such as permessage-deflate is not parsed)"
        }
        if payload.remaining > maximumFrameLength {
            return "frame of \(payload.remaining) bytes exceeds the limit of \(maximumFrameLength)"
        }
        switch opcode {
        case 0x0:
            guard inMessage else { return "continuation frame outside a message" }
        case 0x1, 0x2:
            guard !inMessage else { return "new data frame while a fragmented message is unfinished" }
            inMessage = true
            events.append(.messageStarted(binary: opcode == 0x2))
        case 0x8, 0x9, 0xA:
            guard payload.fin else { return "fragmented control frame (opcode \(opcode))" }
            guard payload.remaining <= 125 else { return "control frame of \(payload.remaining) bytes (at most 125)" }
            controlPayload.removeAll(keepingCapacity: true)
        default:
            return "unknown opcode \(opcode)"
        }
        if payload.remaining == 0 {
            finish(payload, events: &events)
        } else {
            state = .payload(payload)
        }
        return nil
    }

    /// A frame's payload is complete.
    private mutating func finish(_ payload: Payload, events: inout [Event]) {
        state = .header
        if let opcode = payload.control {
            events.append(.control(opcode: opcode, payload: controlPayload))
            controlPayload.removeAll(keepingCapacity: true)
        } else if payload.fin {
            inMessage = false
            events.append(.messageEnded)
        }
    }

    private mutating func fail(_ reason: String) {
        failure = reason
        header = []
        controlPayload = []
    }

    /// XORs `bytes` with the masking key starting at key byte `phase`; the phase after them.
    static func unmask(_ bytes: inout [UInt8], mask: UInt32, phase: Int) -> Int {
        var phase = phase
        for index in bytes.indices {
            bytes[index] ^= UInt8(truncatingIfNeeded: mask >> UInt32(24 - 8 * phase))
            phase = (phase + 1) & 3
        }
        return phase
    }
}

/// Why a WebSocket byte stream could not be parsed.
struct WebSocketParseError: Error, Sendable, Equatable {
    var reason: String
}
