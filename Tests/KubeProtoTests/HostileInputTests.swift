import KubetrailTestSupport
import Foundation
import KubeProto
import Testing


@Suite struct HostileInputTests {
    /// Decoding never crashes; when it succeeds, the JSON it gives is valid and encodes back
    /// (or fails cleanly).
    func survive(_ bytes: [UInt8]) -> Bool {
        guard let json = try? KubernetesProtobuf.json(fromProtobuf: bytes) else { return false }
        #expect((try? GoJSONValue.parse(json)) != nil)
        _ = try? KubernetesProtobuf.protobuf(fromJSON: json)
        return true
    }

    @Test func randomBytesNeverCrash() {
        var random = SplitMix64(seed: 1)
        for round in 0..<3000 {
            let count = Int.random(in: 0..<300, using: &random)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
            if round % 2 == 0 { bytes = Array("k8s".utf8) + [0] + bytes }
            _ = survive(bytes)
        }
    }

    @Test func randomObjectBytesInsideValidEnvelopesNeverCrash() {
        var random = SplitMix64(seed: 2)
        let kinds: [(String, String)] = [
            ("v1", "Pod"), ("apps/v1", "Deployment"), ("v1", "Service"), ("v1", "Event"), ("v1", "WatchEvent"),
            ("v1", "List"), ("v1", "Status"), ("v1", "Secret"),
        ]
        for _ in 0..<3000 {
            let (apiVersion, kind) = kinds[Int.random(in: 0..<kinds.count, using: &random)]
            let raw = (0..<Int.random(in: 0..<200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            _ = survive(KubernetesProtobuf.wrap(KubernetesProtobufEnvelope(apiVersion: apiVersion, kind: kind, raw: raw)))
        }
    }

    @Test(arguments: Fixtures.names)
    func mutatedCapturesNeverCrash(name: String) throws {
        let body = try Fixtures.bytes(name, "body")
        var random = SplitMix64(seed: UInt64(name.utf8.count))
        for _ in 0..<1500 {
            var mutated = body
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let index = Int.random(in: 0..<mutated.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: mutated[index] = UInt8.random(in: 0...255, using: &random)
                case 1: mutated.remove(at: index)
                default: mutated.insert(UInt8.random(in: 0...255, using: &random), at: index)
                }
                if mutated.isEmpty { break }
            }
            _ = survive(mutated)
        }
    }

    @Test(arguments: Fixtures.names)
    func everyTruncationOfACaptureNeverCrashes(name: String) throws {
        let body = try Fixtures.bytes(name, "body")
        for length in 0...body.count {
            _ = survive(Array(body.prefix(length)))
        }
        #expect(survive(body))
    }

    @Test(arguments: RealisticObjects.all.map(\.name))
    func everyTruncationOfJSONFailsCleanly(name: String) throws {
        let json = Array(try #require(RealisticObjects.all.first { $0.name == name }).json.utf8)
        for length in 0..<json.count {
            #expect(throws: KubernetesProtobufError.self) {
                _ = try KubernetesProtobuf.protobuf(fromJSON: Array(json.prefix(length)))
            }
        }
    }

    @Test func mutatedJSONNeverCrashes() throws {
        var random = SplitMix64(seed: 3)
        let alphabet = Array(#"{}[]:,"0123456789-.eE tfnul\abc"#.utf8)
        for (_, text) in RealisticObjects.all {
            let json = Array(text.utf8)
            for _ in 0..<300 {
                var mutated = json
                let index = Int.random(in: 0..<mutated.count, using: &random)
                mutated[index] = alphabet[Int.random(in: 0..<alphabet.count, using: &random)]
                if let protobuf = try? KubernetesProtobuf.protobuf(fromJSON: mutated) {
                    #expect((try? KubernetesProtobuf.json(fromProtobuf: protobuf)) != nil)
                }
            }
        }
    }

    @Test func deeplyNestedJSONIsRejectedNotOverflowed() {
        let depth = 100_000
        let arrays = Array(repeating: UInt8(ascii: "["), count: depth) + Array(repeating: UInt8(ascii: "]"), count: depth)
        #expect(throws: KubernetesProtobufError.self) { _ = try GoJSONValue.parse(arrays) }
        let objects = Array(String(repeating: #"{"a":"#, count: depth).utf8) + [UInt8(ascii: "1")]
            + Array(repeating: UInt8(ascii: "}"), count: depth)
        #expect(throws: KubernetesProtobufError.self) { _ = try KubernetesProtobuf.protobuf(fromJSON: objects) }
    }

    @Test func deeplyNestedEnvelopesAreRejected() throws {
        // WatchEvent.object holding a WatchEvent holding ... a Status.
        var body = try KubernetesProtobuf.protobuf(fromJSON: Array(RealisticObjects.status.utf8))
        for level in 1...20 {
            var raw: [UInt8] = [0x0A, 0x05] + Array("ADDED".utf8)
            var object: [UInt8] = [0x0A]
            object += varint(body.count) + body
            raw += [0x12] + varint(object.count) + object
            body = KubernetesProtobuf.wrap(KubernetesProtobufEnvelope(apiVersion: "v1", kind: "WatchEvent", raw: raw))
            if level == 3 {
                #expect((try? KubernetesProtobuf.json(fromProtobuf: body)) != nil)
            }
        }
        let error = try #require(throws: KubernetesProtobufError.self) { _ = try KubernetesProtobuf.json(fromProtobuf: body) }
        #expect(error.message.contains("nested"))
    }

    private func varint(_ value: Int) -> [UInt8] {
        var value = UInt64(value)
        var out: [UInt8] = []
        while value >= 0x80 {
            out.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        return out + [UInt8(value)]
    }
}
