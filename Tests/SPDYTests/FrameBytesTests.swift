import CZlib
import NIOCore
import Testing
@testable import SPDY

/// Frames built by hand from the SPDY/3 draft's layouts, parsed and re-serialized byte for byte.
@Suite struct FrameBytesTests {
    // Control frame header: 1 bit C=1, 15 bits version 3, 16 bits type, 8 bits flags, 24 bits length.
    static let fixedFrames: [(String, [UInt8], SPDYFrame)] = [
        ("DATA stream 1 FIN \"hi\"",
         [0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x02, 0x68, 0x69],
         .data(.init(stream: 1, payload: ByteBuffer(string: "hi"), fin: true))),
        ("DATA stream 0x7FFFFFFF empty",
         [0x7F, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00],
         .data(.init(stream: .maximum, payload: ByteBuffer(), fin: false))),
        ("RST_STREAM stream 3 CANCEL",
         [0x80, 0x03, 0x00, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x05],
         .rstStream(.init(stream: 3, status: .cancel))),
        ("SETTINGS clear, INITIAL_WINDOW_SIZE=65536 persist",
         [0x80, 0x03, 0x00, 0x04, 0x01, 0x00, 0x00, 0x0C, 0x00, 0x00, 0x00, 0x01,
          0x01, 0x00, 0x00, 0x07, 0x00, 0x01, 0x00, 0x00],
         .settings(.init(clearPersisted: true, entries: [SPDYSetting(id: .initialWindowSize, value: 65536, flags: 1)]))),
        ("SETTINGS empty",
         [0x80, 0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00],
         .settings(.init(entries: []))),
        ("PING 1",
         [0x80, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01],
         .ping(.init(id: 1))),
        ("GOAWAY last 5 OK",
         [0x80, 0x03, 0x00, 0x07, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00],
         .goAway(.init(lastGoodStream: 5, status: .ok))),
        ("GOAWAY last 0 PROTOCOL_ERROR",
         [0x80, 0x03, 0x00, 0x07, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01],
         .goAway(.init(lastGoodStream: 0, status: .protocolError))),
        ("WINDOW_UPDATE stream 1 +32768",
         [0x80, 0x03, 0x00, 0x09, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x80, 0x00],
         .windowUpdate(.init(stream: 1, delta: 32768))),
        ("WINDOW_UPDATE session +1",
         [0x80, 0x03, 0x00, 0x09, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01],
         .windowUpdate(.init(stream: .session, delta: 1))),
    ]

    @Test(arguments: 0..<fixedFrames.count)
    func parsesAndSerializesFixedFrames(_ index: Int) throws {
        let (name, bytes, frame) = Self.fixedFrames[index]
        #expect(try parseAll(bytes) == [frame], "\(name)")
        #expect(try SPDYFrameSerializer().serialize(frame).bytes == bytes, "\(name)")
    }

    @Test func reservedBitsOfStreamIDsAreIgnored() throws {
        // RST_STREAM with the reserved top bit set in the stream id field.
        let bytes: [UInt8] = [0x80, 0x03, 0x00, 0x03, 0x00, 0x00, 0x00, 0x08, 0x80, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01]
        #expect(try parseAll(bytes) == [.rstStream(.init(stream: 3, status: .protocolError))])
    }

    /// kubectl's direction of a session, with header blocks compressed by Python's zlib (one
    /// stream, sync flush per block), wrapped in hand-built frame headers.
    static func headerFrames() -> (bytes: [UInt8], frames: [SPDYFrame]) {
        let blocks = ZlibInteropVectors.blocks.map { vector -> (SPDYHeaderBlock, [UInt8]) in
            var block = SPDYHeaderBlock()
            for (name, values) in vector.fields { for value in values { block.add(name, value) } }
            return (block, vector.compressed)
        }
        var bytes: [UInt8] = []
        var frames: [SPDYFrame] = []
        func u32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        func synStream(_ id: UInt32, _ block: Int, flags: UInt8 = 0) {
            let compressed = blocks[block].1
            bytes += [0x80, 0x03, 0x00, 0x01] + [flags] + Array(u32(UInt32(10 + compressed.count)).dropFirst())
            bytes += u32(id) + u32(0) + [0x00, 0x00] + compressed
            frames.append(.synStream(.init(stream: SPDYStreamID(id), fin: flags & 1 != 0, unidirectional: flags & 2 != 0, headers: blocks[block].0)))
        }
        func headers(_ id: UInt32, _ block: Int, type: UInt8) {
            let compressed = blocks[block].1
            bytes += [0x80, 0x03, 0x00, type, 0x00] + Array(u32(UInt32(4 + compressed.count)).dropFirst())
            bytes += u32(id) + compressed
            frames.append(type == 2
                ? .synReply(.init(stream: SPDYStreamID(id), headers: blocks[block].0))
                : .headers(.init(stream: SPDYStreamID(id), headers: blocks[block].0)))
        }
        synStream(1, 0)  // error
        synStream(3, 1)  // stdin
        synStream(5, 2)  // stdout
        synStream(7, 3)  // stderr
        synStream(9, 4)  // resize
        headers(2, 5, type: 2)  // SYN_REPLY, empty block
        synStream(11, 6)
        synStream(13, 7)
        headers(1, 8, type: 8)  // HEADERS with a multi-valued name
        synStream(15, 9, flags: 0x01)
        return (bytes, frames)
    }

    @Test func parsesHeaderFramesCompressedByPython() throws {
        let (bytes, frames) = Self.headerFrames()
        let parsed = try parseAll(bytes)
        #expect(parsed == frames)
        guard case .synStream(let first) = parsed.first else {
            Issue.record("first frame is not SYN_STREAM")
            return
        }
        #expect(first.headers["streamtype"] == "error")
        guard case .headers(let multi) = parsed[8] else {
            Issue.record("frame 8 is not HEADERS")
            return
        }
        #expect(multi.headers.values(for: "x-multi") == ["a", "b", "c"])
        #expect(multi.headers.values(for: "empty") == [""])
    }

    @Test func serializerMatchesPythonByteForByteOnTheSameZlib() throws {
        let ours = String(cString: zlibVersion())
        try #require(ours == "1.2.13", "vectors were made with zlib 1.2.13; this machine has \(ours)")
        let (bytes, frames) = Self.headerFrames()
        let serializer = try SPDYFrameSerializer()
        var buffer = ByteBuffer()
        for frame in frames { try serializer.serialize(frame, into: &buffer) }
        #expect(buffer.bytes == bytes)
    }
}
