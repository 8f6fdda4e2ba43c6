import AuditSynthetic
import Testing

@testable import Audit

@Suite struct ZlibTests {
    @Test func roundTripsWithAndWithoutTheDictionary() throws {
        let inflate = try ZlibDecompressor()
        for dictionary in [CompressionDictionary.standard, nil] {
            let deflate = try ZlibCompressor(dictionary: dictionary)
            for input in [[], Array("hello".utf8), Array(repeating: 7, count: 100_000), CanonicalEventEncoding.encode(Fixtures.events(1)[0])] {
                let compressed = try deflate.compress(input)
                #expect(try inflate.decompress(compressed) == input)
            }
        }
    }

    @Test func theDictionaryShrinksSmallEvents() throws {
        let events = Fixtures.events(200).map(CanonicalEventEncoding.encode)
        let plain = try ZlibCompressor(dictionary: nil)
        let seeded = try ZlibCompressor(dictionary: .standard)
        let plainBytes = try events.reduce(0) { $0 + (try plain.compress($1).count) }
        let seededBytes = try events.reduce(0) { $0 + (try seeded.compress($1).count) }
        #expect(seededBytes < plainBytes * 85 / 100, "dictionary: \(seededBytes) B, none: \(plainBytes) B")
    }

    @Test func aStreamNamingAnUnknownDictionaryIsRefused() throws {
        let other = CompressionDictionary("a dictionary nobody registered")
        let compressed = try ZlibCompressor(dictionary: other).compress(Array("payload payload".utf8))
        #expect(throws: ZlibError.self) { try ZlibDecompressor().decompress(compressed) }
    }

    @Test func corruptOrTruncatedStreamsAreErrorsNotCrashes() throws {
        let compressed = try ZlibCompressor().compress(Array(repeating: 65, count: 10_000))
        let inflate = try ZlibDecompressor()
        #expect(throws: ZlibError.self) { try inflate.decompress(Array(compressed.dropLast(4))) }
        var flipped = compressed
        flipped[flipped.count / 2] ^= 0xff
        #expect(throws: ZlibError.self) { try inflate.decompress(flipped) }
        // The same decompressor still works after errors.
        #expect(try inflate.decompress(compressed).count == 10_000)
    }

    @Test func outputIsCappedAgainstBombs() throws {
        let bomb = try ZlibCompressor().compress([UInt8](repeating: 0, count: 4 << 20))
        #expect(bomb.count < 10_000)
        #expect(throws: ZlibError.self) { try ZlibDecompressor(maximumOutput: 1 << 20).decompress(bomb) }
    }
}
