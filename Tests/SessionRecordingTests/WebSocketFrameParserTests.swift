import KubetrailTestSupport
import Testing
@testable import SessionRecording

@Suite struct WebSocketFrameParserTests {
    typealias Event = WebSocketFrameParser.Event

    func parse(_ bytes: [UInt8], splitInto size: Int? = nil, parser: inout WebSocketFrameParser) -> [Event] {
        var events: [Event] = []
        for start in stride(from: 0, to: max(bytes.count, 1), by: size ?? max(bytes.count, 1)) {
            let piece = Array(bytes[start..<min(bytes.count, start + (size ?? bytes.count))])
            events += piece.withUnsafeBytes { parser.parse($0) }
        }
        return events
    }

    func events(_ bytes: [UInt8], splitInto size: Int? = nil) -> [Event] {
        var parser = WebSocketFrameParser()
        let events = parse(bytes, splitInto: size, parser: &parser)
        #expect(parser.failure == nil)
        return events
    }

    /// Payload events joined, so that tests compare content rather than how it was cut.
    func joined(_ events: [Event]) -> [Event] {
        var out: [Event] = []
        for event in events {
            if case .payload(let more) = event, case .payload(let bytes)? = out.last {
                out[out.count - 1] = .payload(bytes + more)
            } else {
                out.append(event)
            }
        }
        return out
    }

    func failure(_ bytes: [UInt8], limit: UInt64 = 16 * 1024 * 1024) -> String? {
        var parser = WebSocketFrameParser(maximumFrameLength: limit)
        _ = parse(bytes, parser: &parser)
        // Stays failed: a valid frame afterwards yields nothing.
        #expect([UInt8]([0x82, 0x00]).withUnsafeBytes { parser.parse($0) } == [])
        return parser.failure
    }

    @Test(arguments: [0, 1, 125, 126, 127, 65535, 65536, 70_000])
    func everyLengthFormUnmaskedAndMasked(_ length: Int) {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        for mask in [nil, 0x37FA_213D] as [UInt32?] {
            let bytes = webSocketFrame(opcode: 2, payload, mask: mask)
            let expected: [Event] = [.messageStarted(binary: true)] + (payload.isEmpty ? [] : [.payload(payload)]) + [.messageEnded]
            #expect(events(bytes) == expected)
            #expect(joined(events(bytes, splitInto: 1)) == expected)
            #expect(joined(events(bytes, splitInto: 3)) == expected)
        }
    }

    @Test func nonMinimalLengthsAreAccepted() throws {
        // A 16-bit and a 64-bit length for a 5-byte payload: wasteful but unambiguous.
        for form in [16, 64] {
            let bytes = webSocketFrame(opcode: 2, Array("hello".utf8), mask: 1, lengthForm: form)
            #expect(events(bytes) == [.messageStarted(binary: true), .payload(Array("hello".utf8)), .messageEnded])
        }
    }

    @Test func fragmentsWithControlFramesBetweenThem() throws {
        let bytes = webSocketFrame(opcode: 2, [1, 2], fin: false, mask: 0xA1B2_C3D4)
            + webSocketFrame(opcode: 9, Array("ping".utf8), mask: 0x0102_0304)
            + webSocketFrame(opcode: 0, [], fin: false, mask: 5)
            + webSocketFrame(opcode: 0xA, [], mask: 6)
            + webSocketFrame(opcode: 0, [3, 4, 5], fin: true, mask: 7)
            + webSocketFrame(opcode: 8, [0x03, 0xE8])
        let expected: [Event] = [
            .messageStarted(binary: true), .payload([1, 2]), .control(opcode: 9, payload: Array("ping".utf8)),
            .control(opcode: 0xA, payload: []), .payload([3, 4, 5]), .messageEnded, .control(opcode: 8, payload: [0x03, 0xE8]),
        ]
        #expect(events(bytes) == expected)
        for size in 1...9 { #expect(joined(events(bytes, splitInto: size)) == expected, "split \(size)") }
    }

    @Test func textMessagesAreMarked() throws {
        #expect(events(webSocketFrame(opcode: 1, Array("hi".utf8))) == [.messageStarted(binary: false), .payload(Array("hi".utf8)), .messageEnded])
    }

    @Test func maskPhaseCarriesAcrossSplits() throws {
        let payload = Array("the mask key rotates every four bytes".utf8)
        let bytes = webSocketFrame(opcode: 2, payload, mask: 0xDEAD_BEEF)
        for size in [1, 2, 3, 5, 7] {
            #expect(joined(events(bytes, splitInto: size)) == [.messageStarted(binary: true), .payload(payload), .messageEnded])
        }
    }

    @Test func hostileFramesStopTheParse() throws {
        #expect(failure([0xC2, 0x00])?.contains("reserved bits") == true)  // RSV1: permessage-deflate
        #expect(failure([0x83, 0x00]) == "unknown opcode 3")
        #expect(failure([0x8B, 0x00]) == "unknown opcode 11")
        #expect(failure([0x09, 0x00]) == "fragmented control frame (opcode 9)")
        #expect(failure([0x89, 0x7E, 0x00, 0x7E] + Array(repeating: 0, count: 126)) == "control frame of 126 bytes (at most 125)")
        #expect(failure([0x80, 0x01, 0x00]) == "continuation frame outside a message")
        #expect(failure(webSocketFrame(opcode: 2, [1], fin: false) + webSocketFrame(opcode: 2, [2])) == "new data frame while a fragmented message is unfinished")
        #expect(failure([0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0]) == "64-bit frame length with the most significant bit set")
        // Announcing more than the limit fails at once, before any payload is held.
        #expect(failure([0x82, 0x7F, 0, 0, 0, 0, 0x01, 0, 0, 1]) == "frame of 16777217 bytes exceeds the limit of 16777216")
        #expect(failure([0x82, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) != nil)
        #expect(failure(webSocketFrame(opcode: 2, Array(repeating: 0, count: 100)), limit: 99) == "frame of 100 bytes exceeds the limit of 99")
    }

    @Test func randomBytesNeverTrap() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            var parser = WebSocketFrameParser(maximumFrameLength: 1 << 16)
            let bytes = (0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = parse(bytes, splitInto: Int.random(in: 1...8, using: &generator), parser: &parser)
        }
    }
}
