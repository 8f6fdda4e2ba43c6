import Testing

@testable import PodExec

@Suite struct RemoteCommandStatusTests {
    @Test func successIsExactlyWhatKubernetesSends() {
        #expect(RemoteCommandStatus.success.jsonString == #"{"metadata":{},"status":"Success"}"#)
        #expect(RemoteCommandStatus.exitCode(0) == .success)
    }

    @Test func exitCodeShape() {
        let expected =
            #"{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: command terminated with exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}"#
        #expect(RemoteCommandStatus.exitCode(3).jsonString == expected)
        #expect(RemoteCommandStatus.exitCode(3).exitCode == 3)
        #expect(RemoteCommandStatus.exitCode(137).exitCode == 137)
    }

    @Test func internalErrorShape() {
        let status = RemoteCommandStatus.internalError("boom <x> & \"y\"\n")
        let expected =
            #"{"metadata":{},"status":"Failure","message":"Internal error occurred: boom \u003cx\u003e \u0026 \"y\"\n","reason":"InternalError","details":{"causes":[{"message":"boom \u003cx\u003e \u0026 \"y\"\n"}]},"code":500}"#
        #expect(status.jsonString == expected)
        #expect(status.exitCode == nil)
        #expect(status.plainTextBytes == Array("Internal error occurred: boom <x> & \"y\"\n".utf8))
        #expect(RemoteCommandStatus.success.plainTextBytes.isEmpty)
    }

    @Test func roundTrips() throws {
        let statuses: [RemoteCommandStatus] = [
            .success, .exitCode(1), .exitCode(255), .internalError("x\u{1}\u{2028}é😀"),
            RemoteCommandStatus(status: "Failure", message: "m", reason: "r", causes: [], code: 404),
            RemoteCommandStatus(status: "Failure", causes: [.init(reason: "a", message: nil, field: "f")]),
        ]
        for status in statuses {
            #expect(try RemoteCommandStatus(jsonBytes: status.jsonBytes) == status)
        }
    }

    @Test func decodesLikeClientGo() throws {
        // Keys match case-insensitively; unknown fields are ignored; kind/apiVersion allowed.
        let text = #"{"kind":"Status","apiVersion":"v1","metadata":{},"Status":"Failure","reason":"NonZeroExitCode","details":{"name":"x","causes":[{"reason":"Other","message":"9"},{"reason":"ExitCode","message":"42"}]},"extra":[1,{"a":null}]}"#
        let status = try RemoteCommandStatus(jsonBytes: Array(text.utf8))
        #expect(status.exitCode == 42)
        #expect(status.status == "Failure")
    }

    @Test func exitCodeParsingIsStrict() throws {
        func code(_ message: String) throws -> Int? {
            let text = #"{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"\#(message)"}]}}"#
            return try RemoteCommandStatus(jsonBytes: Array(text.utf8)).exitCode
        }
        #expect(try code("0") == 0)
        #expect(try code("255") == 255)
        #expect(try code("256") == nil)
        #expect(try code("-1") == nil)
        #expect(try code("+1") == nil)
        #expect(try code(" 1") == nil)
        #expect(try code("") == nil)
    }

    @Test func rejectsHostileInput() {
        let inputs = [
            "", "{", "[]", "null", #"{"status":1}"#, #"{"details":[]}"#, #"{"details":{"causes":{}}}"#,
            #"{"code":"500"}"#, #"{"code":5.5}"#, #"{"code":99999999999}"#, #"{"status":"Success"} x"#,
            String(repeating: "[", count: 10000),
        ]
        for input in inputs {
            #expect(throws: RemoteCommandStatusDecodingError.self) { try RemoteCommandStatus(jsonBytes: Array(input.utf8)) }
        }
    }

    @Test func truncatedPrefixesAreErrors() {
        let full = RemoteCommandStatus.exitCode(7).jsonBytes
        for length in 0..<full.count {
            #expect(throws: RemoteCommandStatusDecodingError.self) { try RemoteCommandStatus(jsonBytes: Array(full[0..<length])) }
        }
    }

    @Test func randomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array(#"{}[]":,0123456789-.eE truefalsn\u"#.utf8) + [0, 0xFF, 0xC3]
        for _ in 0..<3000 {
            let bytes = (0..<Int.random(in: 0..<40, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            _ = try? RemoteCommandStatus(jsonBytes: bytes)
        }
    }
}
