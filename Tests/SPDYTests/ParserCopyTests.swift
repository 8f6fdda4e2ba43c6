import NIOCore
import Testing
@testable import SPDY

/// `copy()` gives an independent parser in the same state: same buffered bytes, same zlib
/// window, so both read the rest of the stream alike.
@Suite struct ParserCopyTests {
    @Test func aCopyMidStreamParsesTheRestAlike() throws {
        let serializer = try SPDYFrameSerializer()
        var bytes: [UInt8] = []
        for id in stride(from: 1 as UInt32, through: 41, by: 2) {
            let headers: SPDYHeaderBlock = ["streamtype": id % 4 == 1 ? "stdin" : "stdout", "port": "\(id)"]
            bytes += try serializer.serialize(.synStream(.init(stream: SPDYStreamID(id), headers: headers))).bytes
            bytes += try serializer.serialize(.data(.init(stream: SPDYStreamID(id), payload: ByteBuffer(string: "data \(id)")))).bytes
        }
        let everything = try parseAll(bytes)
        // Cut inside a frame, after several header blocks went through the zlib stream.
        let cut = bytes.count / 2 + 3
        let parser = try SPDYFrameParser()
        parser.append(ByteBuffer(Array(bytes[..<cut])))
        var before: [SPDYFrame] = []
        while let frame = try parser.nextFrame() { before.append(frame) }
        let copy = try parser.copy()
        var rests: [[SPDYFrame]] = []
        for owner in [parser, copy] {
            owner.append(ByteBuffer(Array(bytes[cut...])))
            var rest: [SPDYFrame] = []
            while let frame = try owner.nextFrame() { rest.append(frame) }
            rests.append(rest)
        }
        #expect(rests[0] == rests[1])
        #expect(before + rests[0] == everything)
    }

    @Test func aCopyKeepsAFailure() throws {
        let parser = try SPDYFrameParser()
        parser.append(ByteBuffer([0x80, 0x02, 0x00, 0x01, 0, 0, 0, 0]))
        #expect(throws: SPDYError.self) { try parser.nextFrame() }
        #expect(throws: SPDYError.self) { try parser.copy().nextFrame() }
    }
}
