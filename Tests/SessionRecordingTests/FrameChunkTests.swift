import KubetrailTestSupport
import Testing
@testable import SessionRecording

@Suite struct FrameChunkerTests {
    func frame(_ offset: Int64, _ count: Int = 1, stream: SessionStream = .stdout) -> SessionFrame {
        SessionFrame(offset: offset, stream: stream, bytes: [UInt8](repeating: 0x61, count: count), direction: .fromCluster)
    }

    @Test func cutBySize() {
        var chunker = FrameChunker(maximumBytes: 100, maximumAge: 1_000_000)
        // Each 20-byte frame at a small delta encodes to 23 bytes: the fifth reaches 100.
        for offset in 0..<4 as Range<Int64> { #expect(chunker.append(frame(offset, 20)) == nil) }
        let chunk = chunker.append(frame(4, 20))
        #expect(chunk?.index == 0)
        #expect(chunk?.frames.count == 5)
        #expect(chunk?.firstOffset == 0)
        #expect(chunk?.lastOffset == 4)
        #expect(chunk.map { FrameChunkEncoding.encode($0.frames).count - 2 } == 115)
        #expect(chunker.pendingFrames == 0)
        // A single frame beyond the limit is a chunk of its own.
        #expect(chunker.append(frame(5, 500))?.frames.count == 1)
    }

    @Test func cutByAgeWhenTheNextFrameComes() {
        var chunker = FrameChunker(maximumBytes: 1 << 20, maximumAge: 1_000)
        #expect(chunker.append(frame(10)) == nil)
        #expect(chunker.append(frame(500)) == nil)
        let chunk = chunker.append(frame(1_010))
        #expect(chunk == FrameChunk(index: 0, firstOffset: 10, lastOffset: 1_010, frames: [frame(10), frame(500), frame(1_010)]))
    }

    @Test func cutByAgeOnTick() {
        var chunker = FrameChunker(maximumBytes: 1 << 20, maximumAge: 1_000)
        #expect(chunker.tick(at: 5_000) == nil)  // nothing waits
        #expect(chunker.append(frame(100)) == nil)
        #expect(chunker.tick(at: 1_099) == nil)
        #expect(chunker.tick(at: 1_100)?.frames == [frame(100)])
        #expect(chunker.tick(at: 9_000) == nil)
        #expect(chunker.append(frame(9_001))?.index == nil)
        #expect(chunker.finish()?.index == 1)
        #expect(chunker.finish() == nil)
    }

    @Test func indexesCountUpAndNothingIsLost() {
        var generator = SplitMix64(seed: 3)
        var chunker = FrameChunker(maximumBytes: 4096, maximumAge: 250_000)
        var frames: [SessionFrame] = []
        var chunks: [FrameChunk] = []
        var now: Int64 = 0
        for _ in 0..<5000 {
            now += Int64.random(in: 0...20_000, using: &generator)
            if Bool.random(using: &generator), let chunk = chunker.tick(at: now) { chunks.append(chunk) }
            let next = frame(now, Int.random(in: 1...300, using: &generator))
            frames.append(next)
            if let chunk = chunker.append(next) { chunks.append(chunk) }
        }
        if let chunk = chunker.finish() { chunks.append(chunk) }
        #expect(chunks.map(\.index) == Array(0..<chunks.count))
        #expect(chunks.flatMap(\.frames) == frames)
        for chunk in chunks {
            #expect(FrameChunkEncoding.encode(chunk.frames).count <= 4096 + 300 + 10)
            #expect(chunk.firstOffset == chunk.frames.first?.offset && chunk.lastOffset == chunk.frames.last?.offset)
        }
    }

    @Test func hostileOffsetsDoNotTrap() {
        var chunker = FrameChunker(maximumBytes: 1 << 20, maximumAge: 1_000)
        #expect(chunker.append(frame(.min)) == nil)
        #expect(chunker.append(frame(.max)) != nil)  // the span overflows: treated as aged
        #expect(chunker.append(frame(.max)) == nil)
        #expect(chunker.tick(at: .min) == nil)  // time going backwards cuts nothing
    }
}

@Suite struct FrameChunkEncodingTests {
    static func randomFrames(_ generator: inout SplitMix64, count: Int) -> [SessionFrame] {
        var offset = Int64.random(in: -5...1_000_000, using: &generator)
        return (0..<count).map { _ in
            switch Int.random(in: 0..<10, using: &generator) {
            case 0: offset = Int64.random(in: .min ... .max, using: &generator)  // any offset round-trips
            case 1: offset -= Int64.random(in: 0...1000, using: &generator)
            default: offset &+= Int64.random(in: 0...3_000_000, using: &generator)
            }
            let stream = SessionStream.allCases.randomElement(using: &generator)!
            let length = Bool.random(using: &generator) ? Int.random(in: 0...4, using: &generator) : Int.random(in: 0...70_000, using: &generator)
            return SessionFrame(
                offset: offset, stream: stream,
                port: Bool.random(using: &generator) ? UInt16.random(in: 0...UInt16.max, using: &generator) : nil,
                bytes: (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) },
                direction: SessionDirection.allCases.randomElement(using: &generator)!)
        }
    }

    @Test func randomRoundTrips() throws {
        var generator = SplitMix64(seed: 2024)
        for round in 0..<200 {
            let frames = Self.randomFrames(&generator, count: Int.random(in: 0...(round % 10 == 0 ? 40 : 8), using: &generator))
            #expect(try FrameChunkEncoding.decode(FrameChunkEncoding.encode(frames)) == frames)
        }
    }

    @Test func knownBytes() throws {
        let frames = [
            SessionFrame(offset: 1_000, stream: .stdin, bytes: [0x6C], direction: .fromClient),
            SessionFrame(offset: 999, stream: .portForwardData, port: 8080, bytes: [], direction: .fromCluster),
        ]
        let bytes: [UInt8] = [
            0x01, 0x02,  // version 1, 2 frames
            0xD0, 0x0F, 0x00, 0x01, 0x6C,  // +1000 (zig-zag 2000), stdin from the client, 1 byte
            0x01, 0xD0, 0x1F, 0x90, 0x00,  // -1 (zig-zag 1), 16|0x40|0x80, port 8080, 0 bytes
        ]
        #expect(FrameChunkEncoding.encode(frames) == bytes)
        #expect(try FrameChunkEncoding.decode(bytes) == frames)
        #expect(FrameChunkEncoding.encode([]) == [0x01, 0x00])
    }

    @Test func garbageIsRefused() {
        func reason(_ bytes: [UInt8]) -> String? {
            do {
                _ = try FrameChunkEncoding.decode(bytes)
                return nil
            } catch {
                return error.reason
            }
        }
        #expect(reason([]) == "truncated at the version")
        #expect(reason([0x02, 0x00]) == "unknown version 2")
        #expect(reason([0x01]) == "truncated at the frame count")
        #expect(reason([0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]) == "4294967295 frames cannot fit in 0 bytes")
        #expect(reason([0x01, 0x01, 0x00, 0x06, 0x00]) == "unknown stream 6")
        #expect(reason([0x01, 0x01, 0x00, 0x01, 0x05, 0x61]) == "frame of 5 bytes, 1 left")
        #expect(reason([0x01, 0x01, 0x00, 0x81, 0x1F]) == "truncated at the port")
        #expect(reason([0x01, 0x01] + [UInt8](repeating: 0xFF, count: 10) + [0x01, 0x00]) == "offset does not fit in 64 bits")
        #expect(reason([0x01, 0x01, 0x00, 0x01] + [UInt8](repeating: 0xFF, count: 9) + [0x01]) == "frame of 18446744073709551615 bytes, 0 left")
        #expect(reason([0x01, 0x01, 0x00, 0x01] + [UInt8](repeating: 0xFF, count: 9) + [0x7F]) == "length does not fit in 64 bits")
        #expect(reason([0x01, 0x00, 0x00]) == "1 bytes after the last frame")
        #expect(reason([0x01, 0x02, 0x00, 0x01, 0x00]) == "2 frames cannot fit in 3 bytes")
        #expect(reason([0x01, 0x01, 0x80, 0x80, 0x80]) == "truncated at the offset")
    }

    @Test func everyTruncationAndRandomGarbageIsRefusedWithoutTrapping() {
        var generator = SplitMix64(seed: 99)
        let encoded = FrameChunkEncoding.encode(Self.randomFrames(&generator, count: 12).map { frame in
            var frame = frame
            frame.bytes = Array(frame.bytes.prefix(20))
            return frame
        })
        for length in 0..<encoded.count {
            #expect(throws: FrameChunkDecodingError.self) { try FrameChunkEncoding.decode(Array(encoded[..<length])) }
        }
        for _ in 0..<5000 {
            var bytes = encoded
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = try? FrameChunkEncoding.decode(bytes)
            _ = try? FrameChunkEncoding.decode((0..<Int.random(in: 0...30, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
    }
}
