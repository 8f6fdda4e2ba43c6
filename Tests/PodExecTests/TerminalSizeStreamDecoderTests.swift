import Testing

@testable import PodExec

@Suite struct TerminalSizeStreamDecoderTests {
    private func decodeAll(_ chunks: [[UInt8]]) -> (sizes: [TerminalSize], error: TerminalSizeDecodingError?) {
        var decoder = TerminalSizeStreamDecoder()
        var sizes: [TerminalSize] = []
        for chunk in chunks {
            decoder.append(chunk)
            do {
                while let size = try decoder.next() { sizes.append(size) }
            } catch {
                return (sizes, error as? TerminalSizeDecodingError)
            }
        }
        return (sizes, nil)
    }

    @Test func kubectlMessages() {
        let first = TerminalSize(width: 80, height: 24)
        let second = TerminalSize(width: 211, height: 57)
        #expect(first.jsonString == #"{"Width":80,"Height":24}"#)
        let result = decodeAll([Array((first.jsonString + "\n").utf8), Array((second.jsonString + "\n").utf8)])
        #expect(result.sizes == [first, second])
        #expect(result.error == nil)
    }

    @Test func splitAtEveryOffsetEqualsWhole() {
        let stream = Array(#" {"Width":80,"Height":24}{"height":1, "width" : 2 , "x":[1,{"y":"\"}"}]}"# .utf8) + Array("\n{\"Width\":65535,\"Height\":0}\n".utf8)
        let whole = decodeAll([stream])
        #expect(whole.sizes == [.init(width: 80, height: 24), .init(width: 2, height: 1), .init(width: 65535, height: 0)])
        for cut in 0...stream.count {
            let split = decodeAll([Array(stream[0..<cut]), Array(stream[cut...])])
            #expect(split.sizes == whole.sizes)
            #expect(split.error == nil)
        }
        let byteByByte = decodeAll(stream.map { [$0] })
        #expect(byteByByte.sizes == whole.sizes)
    }

    @Test func goSemantics() {
        // Exact key beats case-insensitive; null leaves zero; missing fields are zero.
        #expect(decodeAll([Array(#"{"width":1,"Width":2}"#.utf8), [0x20]]).sizes == [.init(width: 2, height: 0)])
        #expect(decodeAll([Array(#"{"Width":null,"Height":3}"#.utf8)]).sizes == [.init(width: 0, height: 3)])
        #expect(decodeAll([Array("{}".utf8)]).sizes == [.init(width: 0, height: 0)])
    }

    @Test func invalidValuesStopDecodingForGood() {
        let cases: [(String, TerminalSizeDecodingError)] = [
            (#"{"Width":-1,"Height":2}"#, .invalidDimension(field: "Width", value: "-1")),
            (#"{"Width":65536,"Height":2}"#, .invalidDimension(field: "Width", value: "65536")),
            (#"{"Width":8.0,"Height":2}"#, .invalidDimension(field: "Width", value: "8.0")),
            (#"{"Width":1e2,"Height":2}"#, .invalidDimension(field: "Width", value: "1e2")),
            (#"{"Width":1,"Height":"2"}"#, .invalidDimension(field: "Height", value: "\"2\"")),
            (#"{"Width":1,"Height":true}"#, .invalidDimension(field: "Height", value: "non-number")),
            ("[1,2]", .notAnObject),
            ("7 ", .notAnObject),
            ("{\"Width\":01}", .notJSON(offset: 10)),
            ("x", .notJSON(offset: 0)),
        ]
        for (text, expected) in cases {
            var decoder = TerminalSizeStreamDecoder()
            decoder.append(Array(text.utf8))
            #expect(throws: expected) { try decoder.next() }
            #expect(decoder.hasFailed)
            decoder.append(Array(#"{"Width":1,"Height":1}"#.utf8))
            #expect((try? decoder.next()) == nil)
        }
    }

    @Test func oversizedAndDeepInputFails() {
        var decoder = TerminalSizeStreamDecoder(maximumMessageLength: 64)
        decoder.append(Array("{\"Width\":1,\"pad\":\"".utf8) + Array(repeating: UInt8(ascii: "a"), count: 100))
        #expect(throws: TerminalSizeDecodingError.tooLarge(limit: 64)) { try decoder.next() }

        var deep = TerminalSizeStreamDecoder(maximumMessageLength: 100_000)
        deep.append(Array(("{\"a\":" + String(repeating: "[", count: 1000)).utf8))
        #expect(throws: TerminalSizeDecodingError.tooDeep) { try deep.next() }
    }

    @Test func randomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array(#"{}[]":,0123456789-.eE WidthHeight\u"#.utf8) + [0, 0xFF, 0x0A]
        for _ in 0..<3000 {
            var decoder = TerminalSizeStreamDecoder()
            for _ in 0..<4 {
                decoder.append((0..<Int.random(in: 0..<20, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
                while let _ = try? decoder.next() {}
            }
        }
    }
}
