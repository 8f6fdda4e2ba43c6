import Foundation
import KubeProto
import Testing

/// The body documented in shared/reference/kubectl-1.32-traffic.md, completed by hand.
@Suite struct ReferenceExampleTests {
    /// `kubectl create secret generic s1 --from-literal=p=q`, built byte by byte from the
    /// documented prefix `k8s\x00\n\x0c\n\x02v1\x12\x06Secret\x12\x1e\n\x12\n\x02s1…`.
    static func secretBody() -> [UInt8] {
        var objectMeta: [UInt8] = [0x0A, 0x02] + Array("s1".utf8)  // 1: name
        objectMeta += [0x12, 0x00, 0x1A, 0x00, 0x22, 0x00, 0x2A, 0x00, 0x32, 0x00]  // 2-6: "" (Go writes them)
        objectMeta += [0x38, 0x00]  // 7: generation 0
        objectMeta += [0x42, 0x00]  // 8: creationTimestamp, zero Time = empty message
        let dataEntry: [UInt8] = [0x0A, 0x01] + Array("p".utf8) + [0x12, 0x01] + Array("q".utf8)
        var secret: [UInt8] = [0x0A, UInt8(objectMeta.count)] + objectMeta  // 1: metadata
        secret += [0x12, UInt8(dataEntry.count)] + dataEntry  // 2: data {"p": "q"}
        secret += [0x1A, 0x00]  // 3: type ""
        let typeMeta: [UInt8] = [0x0A, 0x02] + Array("v1".utf8) + [0x12, 0x06] + Array("Secret".utf8)
        var unknown: [UInt8] = [0x0A, UInt8(typeMeta.count)] + typeMeta
        unknown += [0x12, UInt8(secret.count)] + secret
        unknown += [0x1A, 0x00, 0x22, 0x00]  // contentEncoding, contentType
        return Array("k8s".utf8) + [0x00] + unknown
    }

    @Test func bodyStartsWithTheDocumentedPrefix() {
        let prefix: [UInt8] = Array("k8s\u{0}\n\u{0c}\n\u{02}v1\u{12}\u{06}Secret\u{12}\u{1e}\n\u{12}\n\u{02}s1".utf8)
        #expect(Array(Self.secretBody().prefix(prefix.count)) == prefix)
    }

    @Test func decodesToSecretS1WithDataP() throws {
        let json = try KubernetesProtobuf.jsonValue(fromProtobuf: Self.secretBody())
        #expect(json["kind"] == .string("Secret"))
        #expect(json["apiVersion"] == .string("v1"))
        #expect(json["metadata"]?["name"] == .string("s1"))
        #expect(json["data"] == .object([GoJSONMember("p", .string(Data("q".utf8).base64EncodedString()))]))
        #expect(json["type"] == nil)  // "" with omitempty
        #expect(json["metadata"]?["creationTimestamp"] == .null)
    }

    @Test func handBuiltBodyEqualsTheRealCapture() throws {
        #expect(Self.secretBody() == (try Fixtures.bytes("secret-generic", "body")))
    }

    @Test func unwrapAndWrapAreInverse() throws {
        let body = Self.secretBody()
        let envelope = try KubernetesProtobuf.unwrap(body)
        #expect(envelope.apiVersion == "v1" && envelope.kind == "Secret")
        #expect(envelope.contentEncoding == "" && envelope.contentType == "")
        #expect(KubernetesProtobuf.wrap(envelope) == body)
    }
}
