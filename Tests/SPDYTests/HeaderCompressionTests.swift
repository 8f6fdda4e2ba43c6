import CZlib
import Foundation
import NIOCore
import Testing
@testable import SPDY

@Suite struct HeaderCompressionTests {
    static func block(_ vector: ZlibInteropVectors.Block) -> SPDYHeaderBlock {
        var block = SPDYHeaderBlock()
        for (name, values) in vector.fields { for value in values { block.add(name, value) } }
        return block
    }

    @Test func inflatesPythonsStreamBlockByBlock() throws {
        let decompressor = try SPDYHeaderDecompressor()
        for (index, vector) in ZlibInteropVectors.blocks.enumerated() {
            let plain = try decompressor.decompress(ByteBuffer(vector.compressed))
            #expect(try SPDYHeaderBlock.decode(plain) == Self.block(vector), "block \(index)")
        }
    }

    @Test func laterBlocksNeedTheEarlierOnes() throws {
        // Block 1 refers back to block 0's bytes: alone it cannot inflate (no zlib header).
        let decompressor = try SPDYHeaderDecompressor()
        #expect(throws: SPDYError.self) {
            _ = try decompressor.decompress(ByteBuffer(ZlibInteropVectors.blocks[1].compressed))
        }
    }

    @Test func roundTripsThroughOurOwnPair() throws {
        let compressor = try SPDYHeaderCompressor()
        let decompressor = try SPDYHeaderDecompressor()
        for vector in ZlibInteropVectors.blocks + ZlibInteropVectors.blocks {
            var compressed = ByteBuffer()
            try compressor.compress(Self.block(vector), into: &compressed)
            #expect(try SPDYHeaderBlock.decode(decompressor.decompress(compressed)) == Self.block(vector))
        }
    }

    @Test func refusesAZipBomb() throws {
        // 1 MiB of one repeated header value, compressed to a few KiB.
        let compressor = try SPDYHeaderCompressor()
        var compressed = ByteBuffer()
        try compressor.compress(["x-bomb": String(repeating: "A", count: 1 << 20)], into: &compressed)
        #expect(compressed.readableBytes < 8 * 1024)
        let decompressor = try SPDYHeaderDecompressor(maximumBlockSize: 64 * 1024)
        #expect(throws: SPDYError(.headerBlockTooLarge(limit: 64 * 1024))) {
            _ = try decompressor.decompress(compressed)
        }
        // The stream is now unusable and says so again.
        #expect(throws: SPDYError(.headerBlockTooLarge(limit: 64 * 1024))) {
            _ = try decompressor.decompress(ByteBuffer(ZlibInteropVectors.blocks[0].compressed))
        }
    }

    @Test func acceptsABlockExactlyAtTheLimit() throws {
        let block: SPDYHeaderBlock = ["a": String(repeating: "b", count: 1000)]
        var plain = ByteBuffer()
        block.encode(into: &plain)
        let compressor = try SPDYHeaderCompressor()
        var compressed = ByteBuffer()
        try compressor.compress(bytes: plain, into: &compressed)
        let decompressor = try SPDYHeaderDecompressor(maximumBlockSize: plain.readableBytes)
        #expect(try decompressor.decompress(compressed) == plain)
    }

    @Test func rejectsAStreamWithAnotherDictionary() throws {
        // zlib stream whose header names dictionary id 0x01020304.
        var stream = z_stream()
        #expect(kubetrail_deflateInit2(&stream, 9, 15, 8) == Z_OK)
        var dictionary: [UInt8] = Array("some other dictionary".utf8)
        #expect(deflateSetDictionary(&stream, &dictionary, uInt(dictionary.count)) == Z_OK)
        var input: [UInt8] = [0, 0, 0, 0]
        var output = [UInt8](repeating: 0, count: 64)
        stream.avail_in = 4
        stream.avail_out = 64
        input.withUnsafeMutableBufferPointer { inp in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = inp.baseAddress
                stream.next_out = out.baseAddress
                _ = deflate(&stream, Z_SYNC_FLUSH)
            }
        }
        let produced = 64 - Int(stream.avail_out)
        deflateEnd(&stream)
        let decompressor = try SPDYHeaderDecompressor()
        do {
            _ = try decompressor.decompress(ByteBuffer(Array(output[0..<produced])))
            Issue.record("foreign dictionary accepted")
        } catch {
            guard case .compression(let why) = error.code else { Issue.record("wrong error \(error)"); return }
            #expect(why.contains("dictionary id"))
        }
    }

    @Test func rejectsGarbage() throws {
        let decompressor = try SPDYHeaderDecompressor()
        #expect(throws: SPDYError.self) {
            _ = try decompressor.decompress(ByteBuffer([0x12, 0x34, 0x56, 0x78, 0x9A]))
        }
    }

    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Python inflates, in one decompressobj with the SPDY dictionary, every block we compress.
    @Test(.enabled(if: python != nil, "needs python3"))
    func pythonInflatesOurStream() throws {
        let compressor = try SPDYHeaderCompressor()
        var lines: [String] = []
        var expected: [String] = []
        for vector in ZlibInteropVectors.blocks {
            var compressed = ByteBuffer()
            try compressor.compress(Self.block(vector), into: &compressed)
            lines.append(compressed.bytes.map { String(format: "%02x", $0) }.joined())
            var plain = ByteBuffer()
            Self.block(vector).encode(into: &plain)
            expected.append(plain.bytes.map { String(format: "%02x", $0) }.joined())
        }
        let dictionary = SPDYHeaderDictionary.bytes.map { String(format: "%02x", $0) }.joined()
        let script = """
            import sys, zlib
            d = zlib.decompressobj(zdict=bytes.fromhex(sys.argv[1]))
            for line in sys.stdin:
                print(d.decompress(bytes.fromhex(line.strip())).hex())
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python!)
        process.arguments = ["-c", script, dictionary]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write((lines.joined(separator: "\n") + "\n").data(using: .utf8)!)
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let got = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(got == expected)
    }
}
