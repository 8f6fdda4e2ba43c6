import KubeAPI
import Testing

@Suite struct JSONTests {
    @Test func parsesEveryValueKind() throws {
        let value = try JSONParser.parse(#"{"a":1,"b":-2.5e3,"c":"x\u00e9\n","d":[true,false,null],"e":{},"f":9223372036854775807}"#)
        #expect(value["a"] == .int(1))
        #expect(value["b"] == .double(-2500))
        #expect(value["c"] == .string("xé\n"))
        #expect(value["d"] == .array([.bool(true), .bool(false), .null]))
        #expect(value["e"] == .object(JSONObject()))
        #expect(value["f"] == .int(Int64.max))
    }

    @Test func keepsKeyOrderAndRoundTrips() throws {
        let text = #"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web","labels":{"z":"1","a":"2"}},"n":[1,2.5,"<&>"]}"#
        let value = try JSONParser.parse(text)
        #expect(value.objectValue?.keys == ["kind", "apiVersion", "metadata", "n"])
        let written = JSONSerializer.string(value)
        #expect(written == #"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web","labels":{"z":"1","a":"2"}},"n":[1,2.5,"\u003c\u0026\u003e"]}"#)
        #expect(try JSONParser.parse(written) == value)
    }

    @Test func surrogatePairsAndControlCharacters() throws {
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(JSONSerializer.string(.string("a\u{01}b")) == #""a\u0001b""#)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(#""\ud83d""#) }
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "tru", "\"abc", "{\"a\" 1}", "[1 2]", "nul", "1 2", "\"\u{01}\"",
        "{1:2}", "\"\\x\"", "1e400", "-1e999",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func boundsNesting() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        #expect(error?.reason.contains("nested deeper") == true)
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: Never.self) { try JSONParser.parse(fine) }
    }

    @Test func randomBytesNeverCrash() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("{}[]\",:0123456789.-eEtruefalsnl \\u".utf8)
        for _ in 0..<2000 {
            let length = Int.random(in: 0..<40, using: &generator)
            let bytes = (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
            if let value = try? JSONParser.parse(bytes) {
                // Whatever parses must serialize to text that parses to the same value.
                #expect(try JSONParser.parse(JSONSerializer.bytes(value)) == value)
            }
        }
    }

    @Test func pathSubscriptsCreateAndRemove() {
        var value: JSONValue = ["metadata": ["name": "web"]]
        value[path: ["metadata", "labels", "app"]] = "web"
        #expect(value[path: ["metadata", "labels", "app"]] == "web")
        value[path: ["spec", "missing"]] = nil
        #expect(value["spec"] == nil)
        value[path: ["metadata", "name"]] = nil
        #expect(value[path: ["metadata", "name"]] == nil)
        #expect(value[path: ["metadata", "labels"]] != nil)
    }

    @Test func base64RoundTrip() {
        for length in 0..<20 {
            let bytes = (0..<length).map { UInt8(($0 * 37 + 11) % 256) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.encode(Array("q".utf8)) == "cQ==")
        #expect(Base64.decode("cQ=") == nil)
        #expect(Base64.decode("c*==") == nil)
        #expect(Base64.decode("=QQQ") == nil)
    }
}
