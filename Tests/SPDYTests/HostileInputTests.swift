import KubetrailTestSupport
import NIOCore
import Testing
@testable import SPDY

@Suite struct HostileInputTests {
    /// A mixed stream: compressed headers, data, every control type, an unknown control frame.
    static func sampleStream() throws -> (bytes: [UInt8], frames: [SPDYFrame]) {
        let serializer = try SPDYFrameSerializer()
        var buffer = ByteBuffer()
        var frames: [SPDYFrame] = []
        for frame in FrameRoundTripTests.frames.prefix(8) {
            try serializer.serialize(frame, into: &buffer)
            frames.append(frame)
        }
        // An unknown control type (CREDENTIAL, 10) with 5 payload bytes: skipped.
        buffer.writeBytes([0x80, 0x03, 0x00, 0x0A, 0x00, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5])
        for frame in FrameRoundTripTests.frames.dropFirst(8) {
            try serializer.serialize(frame, into: &buffer)
            frames.append(frame)
        }
        return (buffer.bytes, frames)
    }

    @Test func splitAtEveryOffsetEqualsWhole() throws {
        let (bytes, frames) = try Self.sampleStream()
        #expect(try parseAll(bytes) == frames)
        // Skip through the 70,000-byte data frame in big steps, elsewhere every offset.
        var offsets: [Int] = []
        var offset = 1
        while offset < bytes.count {
            offsets.append(offset)
            offset += (offset > 400 && offset < bytes.count - 400) ? 997 : 1
        }
        for split in offsets {
            #expect(try parseAll(bytes, splitAt: [split]) == frames, "split at \(split)")
        }
    }

    @Test func byteAtATimeEqualsWhole() throws {
        let (bytes, frames) = try Self.sampleStream()
        #expect(try parseAll(bytes, splitAt: Array(1..<bytes.count)) == frames)
    }

    @Test func everyTruncationWaitsWithoutError() throws {
        let (bytes, _) = try Self.sampleStream()
        for length in stride(from: 0, to: bytes.count, by: 7) {
            let parser = try SPDYFrameParser()
            parser.append(ByteBuffer(Array(bytes.prefix(length))))
            while try parser.nextFrame() != nil {}
            #expect(parser.bufferedBytes < 70_000 + 8)
        }
    }

    @Test func oversizedLengthIsRefusedBeforeThePayloadArrives() throws {
        let parser = try SPDYFrameParser(limits: .init(maximumFramePayload: 1024))
        // DATA claiming 16 MiB - 1; only the 8-byte header has arrived.
        parser.append(ByteBuffer([0x00, 0x00, 0x00, 0x01, 0x00, 0xFF, 0xFF, 0xFF]))
        #expect(throws: SPDYError(.frameTooLarge(length: 0xFF_FFFF, limit: 1024))) { _ = try parser.nextFrame() }
        // Sticky: the stream cannot be resynchronised.
        parser.append(ByteBuffer(FrameBytesTests.fixedFrames[5].1))
        #expect(throws: SPDYError(.frameTooLarge(length: 0xFF_FFFF, limit: 1024))) { _ = try parser.nextFrame() }
    }

    @Test func oversizedControlFrameIsRefused() throws {
        let parser = try SPDYFrameParser(limits: .init(maximumFramePayload: 100))
        parser.append(ByteBuffer([0x80, 0x03, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00]))
        #expect(throws: SPDYError(.frameTooLarge(length: 256, limit: 100))) { _ = try parser.nextFrame() }
    }

    @Test(arguments: [UInt16(2), 1, 4, 0x7FFF])
    func badVersionIsRefused(_ version: UInt16) throws {
        let parser = try SPDYFrameParser()
        parser.append(ByteBuffer([0x80 | UInt8(version >> 8), UInt8(version & 0xFF), 0x00, 0x06, 0, 0, 0, 4, 0, 0, 0, 1]))
        #expect(throws: SPDYError(.unsupportedVersion(version))) { _ = try parser.nextFrame() }
    }

    @Test func unknownControlFramesAreSkippedWithoutBuffering() throws {
        let parser = try SPDYFrameParser(limits: .init(maximumFramePayload: 1024))
        // Type 0x00FF, 1 MiB long: larger than the limit, yet ignorable.
        parser.append(ByteBuffer([0x80, 0x03, 0x00, 0xFF, 0x00, 0x10, 0x00, 0x00]))
        #expect(try parser.nextFrame() == nil)
        for _ in 0..<16 {
            parser.append(ByteBuffer(repeating: 0xEE, count: 65536))
            #expect(try parser.nextFrame() == nil)
            #expect(parser.bufferedBytes == 0)
        }
        parser.append(ByteBuffer(FrameBytesTests.fixedFrames[5].1))  // PING 1
        #expect(try parser.nextFrame() == .ping(.init(id: 1)))
    }

    @Test(arguments: [
        ("DATA on stream 0", [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00] as [UInt8], "stream 0"),
        ("PING of 3 bytes", [0x80, 0x03, 0x00, 0x06, 0, 0, 0, 3, 0, 0, 1], "must be 4"),
        ("GOAWAY of 4 bytes (SPDY/2 layout)", [0x80, 0x03, 0x00, 0x07, 0, 0, 0, 4, 0, 0, 0, 1], "must be 8"),
        ("RST_STREAM of 4 bytes", [0x80, 0x03, 0x00, 0x03, 0, 0, 0, 4, 0, 0, 0, 1], "must be 8"),
        ("RST_STREAM on stream 0", [0x80, 0x03, 0x00, 0x03, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1], "stream 0"),
        ("WINDOW_UPDATE of 12", [0x80, 0x03, 0x00, 0x09, 0, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0], "must be 8"),
        ("SETTINGS count lies", [0x80, 0x03, 0x00, 0x04, 0, 0, 0, 12, 0, 0, 0, 5, 0, 0, 0, 7, 0, 0, 0, 1], "claims 5 entries"),
        ("SYN_STREAM too short", [0x80, 0x03, 0x00, 0x01, 0, 0, 0, 6, 0, 0, 0, 1, 0, 0], "shorter than 10"),
        ("SYN_REPLY too short", [0x80, 0x03, 0x00, 0x02, 0, 0, 0, 2, 0, 1], "shorter than 4"),
    ])
    func malformedFramesAreSessionErrors(_ name: String, _ bytes: [UInt8], _ message: String) throws {
        do {
            _ = try parseAll(bytes)
            Issue.record("\(name) was accepted")
        } catch let error as SPDYError {
            #expect(!error.isStreamError, "\(name)")
            guard case .invalidFrame(let why) = error.code else { Issue.record("\(name): \(error)"); return }
            #expect(why.contains(message), "\(name): \(why)")
        }
    }

    @Test func streamErrorsLeaveTheParserUsable() throws {
        let parser = try SPDYFrameParser()
        // RST_STREAM with status 0 on stream 5: a stream error; the next PING still parses.
        parser.append(ByteBuffer([0x80, 0x03, 0x00, 0x03, 0, 0, 0, 8, 0, 0, 0, 5, 0, 0, 0, 0]))
        parser.append(ByteBuffer(FrameBytesTests.fixedFrames[5].1))
        #expect(throws: SPDYError(.invalidFrame("RST_STREAM with status 0"), stream: 5)) { _ = try parser.nextFrame() }
        #expect(try parser.nextFrame() == .ping(.init(id: 1)))
    }

    @Test func badHeaderBlockCostsOnlyItsStream() throws {
        // A well-compressed block whose content is illegal (upper-case name), then a good one.
        let compressor = try SPDYHeaderCompressor()
        var bad = ByteBuffer()
        try compressor.compress(bytes: ByteBuffer([0, 0, 0, 1, 0, 0, 0, 1, 0x41, 0, 0, 0, 0]), into: &bad)
        var good = ByteBuffer()
        try compressor.compress(["streamtype": "stdout"], into: &good)
        var bytes = ByteBuffer()
        for (id, block) in [(UInt32(1), bad), (3, good)] {
            bytes.writeBytes([0x80, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, UInt8(10 + block.readableBytes)])
            bytes.writeInteger(id)
            bytes.writeBytes([0, 0, 0, 0, 0, 0])
            bytes.writeImmutableBuffer(block)
        }
        let parser = try SPDYFrameParser()
        parser.append(bytes)
        #expect(throws: SPDYError(.invalidHeaderBlock("header name \"A\" is not lower case"), stream: 1)) { _ = try parser.nextFrame() }
        #expect(try parser.nextFrame() == .synStream(.init(stream: 3, headers: ["streamtype": "stdout"])))
    }

    @Test func randomBytesNeverCrashOrHoard() throws {
        var rng = SplitMix64(seed: 0x5EED)
        var errors = 0
        for round in 0..<2000 {
            let parser = try SPDYFrameParser(limits: .init(maximumFramePayload: 4096, maximumHeaderBlockSize: 4096))
            let count = Int.random(in: 1...512, using: &rng)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Half the rounds look like SPDY/3 control frames so deeper paths run too.
            if round % 2 == 0, bytes.count >= 8 {
                bytes[0] = 0x80; bytes[1] = 0x03; bytes[2] = 0x00; bytes[3] = UInt8.random(in: 1...10, using: &rng)
                bytes[5] = 0; bytes[6] = 0
            }
            parser.append(ByteBuffer(bytes))
            do {
                while try parser.nextFrame() != nil {}
            } catch {
                errors += 1
            }
            #expect(parser.bufferedBytes <= 4096 + 8)
        }
        #expect(errors > 0)
    }

    @Test func randomBytesIntoASessionEndInGoAwayOrSilence() throws {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<500 {
            let session = try SPDYSession(role: .server)
            let bytes = (0..<Int.random(in: 1...256, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let output = session.receive(ByteBuffer(bytes))
            if let error = output.sessionError {
                #expect(session.hasFailed, "\(error)")
                let frames = try parseAll(output.bytes.bytes)
                guard case .goAway(let goAway) = frames.last else {
                    Issue.record("no GOAWAY after \(error)")
                    continue
                }
                #expect(goAway.status == .protocolError)
            }
        }
    }
}
