import NIOCore
import Testing
@testable import SPDY

@Suite struct HeaderBlockTests {
    @Test func encodesTheSpecLayoutByteForByte() {
        var block = SPDYHeaderBlock()
        block.add("StreamType", "error")
        block.add("x-multi", "a")
        block.add("X-Multi", "b")
        var buffer = ByteBuffer()
        block.encode(into: &buffer)
        let expected: [UInt8] =
            [0, 0, 0, 2]  // two names
            + [0, 0, 0, 10] + Array("streamtype".utf8) + [0, 0, 0, 5] + Array("error".utf8)
            + [0, 0, 0, 7] + Array("x-multi".utf8) + [0, 0, 0, 3] + [0x61, 0x00, 0x62]  // "a\0b"
        #expect(buffer.bytes == expected)
        #expect(block["STREAMTYPE"] == "error")
        #expect(block.values(for: "x-multi") == ["a", "b"])
    }

    @Test func decodesWhatItEncodes() throws {
        let block: SPDYHeaderBlock = ["streamtype": "data", "port": "8080", "requestid": "0"]
        var buffer = ByteBuffer()
        block.encode(into: &buffer)
        #expect(try SPDYHeaderBlock.decode(buffer) == block)
    }

    @Test func emptyBlockIsFourZeroBytes() throws {
        var buffer = ByteBuffer()
        SPDYHeaderBlock().encode(into: &buffer)
        #expect(buffer.bytes == [0, 0, 0, 0])
        #expect(try SPDYHeaderBlock.decode(buffer).isEmpty)
    }

    @Test func emptyValueStaysOneEmptyValue() throws {
        let block = try SPDYHeaderBlock.decode(ByteBuffer([0, 0, 0, 1, 0, 0, 0, 1, 0x61, 0, 0, 0, 0]))
        #expect(block.values(for: "a") == [""])
    }

    @Test(arguments: [
        ("uppercase name", [0, 0, 0, 1, 0, 0, 0, 1, 0x41, 0, 0, 0, 0] as [UInt8], "not lower case"),
        ("empty name", [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], "empty name"),
        ("duplicate", [0, 0, 0, 2, 0, 0, 0, 1, 0x61, 0, 0, 0, 0, 0, 0, 0, 1, 0x61, 0, 0, 0, 0], "appears twice"),
        ("truncated name", [0, 0, 0, 1, 0, 0, 0, 9, 0x61], "does not fit"),
        ("name longer than rest", [0, 0, 0, 1, 0, 0, 0, 9, 0x61, 0, 0, 0, 0], "claims 9 bytes"),
        ("trailing bytes", [0, 0, 0, 0, 0xFF], "follow the last pair"),
        ("no count", [0, 0], "pair count"),
        ("huge count", [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0], "does not fit"),
    ])
    func rejectsIllegalBlocks(_ name: String, _ bytes: [UInt8], _ message: String) {
        do {
            _ = try SPDYHeaderBlock.decode(ByteBuffer(bytes))
            Issue.record("\(name) was accepted")
        } catch {
            guard case .invalidHeaderBlock(let why) = error.code else {
                Issue.record("\(name): wrong error \(error)")
                return
            }
            #expect(why.contains(message), "\(name): \(why)")
        }
    }

    @Test func dictionaryIsTheSPDY3One() {
        let bytes = SPDYHeaderDictionary.bytes
        #expect(bytes.count == 1423)
        // Adler-32, computed here rather than trusted.
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        #expect((b << 16 | a) == SPDYHeaderDictionary.adler32)
        #expect(Array(bytes.prefix(11)) == [0, 0, 0, 7] + Array("options".utf8))
        #expect(Array(bytes.suffix(6)) == Array("enq=0.".utf8))
    }
}
