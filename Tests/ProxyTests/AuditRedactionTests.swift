import KubeAPI
import Testing

@testable import Proxy

@Suite struct AuditRedactionTests {
    let configMaps = RequestInfoResolver.resolve(method: "POST", path: "/api/v1/namespaces/default/configmaps", query: [])
    let secrets = RequestInfoResolver.resolve(method: "POST", path: "/api/v1/namespaces/default/secrets", query: [])

    @Test func secretsAreNeverKept() {
        let body = Array(#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"p":"aHVudGVyMg=="}}"#.utf8)
        #expect(AuditRedaction.request(body, info: secrets).isEmpty)
        #expect(AuditRedaction.response(body, info: secrets).isEmpty)
        // A Secret inside another resource's answer (a List, a watch event) loses its values too.
        let list = Array(#"{"kind":"List","items":[{"kind":"Secret","metadata":{"name":"s"},"data":{"p":"aHVudGVyMg=="},"stringData":{"q":"x"}}]}"#.utf8)
        let cleaned = String(decoding: AuditRedaction.response(list, info: configMaps), as: UTF8.self)
        #expect(!cleaned.contains("aHVudGVyMg=="))
        #expect(!cleaned.contains("stringData"))
        #expect(cleaned.contains("\"name\":\"s\""))
    }

    @Test func lastAppliedAnnotationsAreRemovedEverywhere() throws {
        let annotated = #"{"kind":"ConfigMap","metadata":{"name":"c","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"secret\":1}","keep":"me"}},"data":{"a":"b"}}"#
        let cleaned = try JSONParser.parse(AuditRedaction.request(Array(annotated.utf8), info: configMaps))
        #expect(cleaned[path: ["metadata", "annotations"]] == ["keep": "me"])
        #expect(cleaned["data"] == ["a": "b"])
        let watch = #"{"type":"ADDED","object":\#(annotated)}"# + "\n" + #"{"type":"DELETED","object":\#(annotated)}"# + "\n"
        let stream = String(decoding: AuditRedaction.response(Array(watch.utf8), info: configMaps), as: UTF8.self)
        #expect(!stream.contains("last-applied"))
        #expect(stream.split(separator: "\n").count == 2)
    }

    @Test func opaqueBodiesMentioningSecretsAreDropped() {
        let protobuf: [UInt8] = Array("k8s\0".utf8) + [0x0A, 0x0C, 0x0A, 0x02] + Array("v1".utf8) + [0x12, 0x06] + Array("Secret".utf8)
        #expect(AuditRedaction.response(protobuf, info: configMaps).isEmpty)
        let other: [UInt8] = Array("k8s\0".utf8) + Array("ConfigMap".utf8)
        #expect(AuditRedaction.response(other, info: configMaps) == other)
    }
}
