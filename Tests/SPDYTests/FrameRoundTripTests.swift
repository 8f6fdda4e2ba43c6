import NIOCore
import Testing
@testable import SPDY

@Suite struct FrameRoundTripTests {
    static let frames: [SPDYFrame] = [
        .synStream(.init(stream: 1, priority: 3, headers: ["streamtype": "error"])),
        .synStream(.init(stream: 3, associatedTo: 1, priority: 7, slot: 2, fin: true, unidirectional: true,
                         headers: ["streamtype": "stdin", "x-two": "a"])),
        .synReply(.init(stream: 1)),
        .synReply(.init(stream: 3, fin: true, headers: ["status": "200"])),
        .headers(.init(stream: 1, fin: true, headers: SPDYHeaderBlock([("a", "1"), ("a", "2"), ("b", "")]))),
        .data(.init(stream: 1, payload: ByteBuffer(string: "hello"), fin: false)),
        .data(.init(stream: 3, payload: ByteBuffer(), fin: true)),
        .data(.init(stream: 5, payload: ByteBuffer(repeating: 0xAB, count: 70_000))),
        .rstStream(.init(stream: 5, status: .flowControlError)),
        .rstStream(.init(stream: 7, status: SPDYResetStatus(rawValue: 99))),
        .settings(.init(entries: [SPDYSetting(id: .maxConcurrentStreams, value: 100), SPDYSetting(id: .initialWindowSize, value: 1 << 20, flags: 2)])),
        .ping(.init(id: 0xFFFF_FFFF)),
        .goAway(.init(lastGoodStream: 9, status: .internalError)),
        .windowUpdate(.init(stream: 3, delta: 0x7FFF_FFFF)),
    ]

    @Test func everyFrameTypeRoundTripsThroughOneSerializerAndParser() throws {
        let serializer = try SPDYFrameSerializer()
        var buffer = ByteBuffer()
        for frame in Self.frames { try serializer.serialize(frame, into: &buffer) }
        #expect(try parseAll(buffer.bytes) == Self.frames)
    }

    @Test func headerBlocksKeepCompressingAcrossManyFrames() throws {
        let serializer = try SPDYFrameSerializer()
        var buffer = ByteBuffer()
        var expected: [SPDYFrame] = []
        for id in stride(from: UInt32(1), to: 400, by: 2) {
            let frame = SPDYFrame.synStream(.init(stream: SPDYStreamID(id), headers: ["streamtype": "data", "port": "8080", "requestid": "\(id / 2)"]))
            expected.append(frame)
            try serializer.serialize(frame, into: &buffer)
        }
        #expect(try parseAll(buffer.bytes) == expected)
        // The shared zlib stream makes repeated headers cheap: well under 30 bytes a frame.
        #expect(buffer.readableBytes < expected.count * 30)
    }

    @Test func serializerRefusesDataBeyond24Bits() throws {
        let frame = SPDYFrame.data(.init(stream: 1, payload: ByteBuffer(repeating: 0, count: SPDYFrame.maximumPayloadLength + 1)))
        #expect(throws: SPDYError(.frameTooLarge(length: SPDYFrame.maximumPayloadLength + 1, limit: SPDYFrame.maximumPayloadLength), stream: 1)) {
            _ = try SPDYFrameSerializer().serialize(frame)
        }
    }
}
