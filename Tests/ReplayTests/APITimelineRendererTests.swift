import Audit
import Foundation
import KubeAPI
import KubeProto
import Replay
import Testing

@Suite struct APITimelineRendererTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let id = UUID()

    func event(_ stage: AuditEvent.Stage, after seconds: Double, code: Int32? = nil) -> AuditEvent {
        AuditEvent(auditID: id, stage: stage, verb: "create", requestURI: "/api/v1/namespaces/default/configmaps",
                   user: UserInfo(username: "alice"), responseStatus: code.map { ResponseStatus(code: $0) }, requestReceivedTimestamp: start,
                   stageTimestamp: start.addingTimeInterval(seconds), cluster: "emu", latencyMicroseconds: Int64(seconds * 1_000_000),
                   sessionID: "run-1", kubectlSession: "run-1", kubectlCommand: "kubectl create")
    }

    @Test func eachStageIsALineWithItsBodiesOnce() {
        var received = event(.requestReceived, after: 0)
        received.requestBody = Payload(contentType: "application/json", bytes: Array(#"{"data":{"a":"1"}}"#.utf8))
        var complete = event(.responseComplete, after: 0.0125, code: 201)
        complete.requestBody = received.requestBody
        complete.responseBody = Payload(contentType: "application/json", bytes: Array(#"{"kind":"ConfigMap"}"#.utf8))
        var renderer = APITimelineRenderer(session: "run-1", format: .text)
        let text = [received, complete].map { renderer.render(AuditRecord(writerID: "w", seq: 1, event: $0)) }.joined()
        #expect(text.hasPrefix("# API session run-1: alice on emu, kubectl create, from 2027-01-15T08:00:00.000000Z\n"), "\(text)")
        #expect(text.contains("+0.000s    → CREATE /api/v1/namespaces/default/configmaps\n"), "\(text)")
        #expect(text.contains("+0.013s    ← 201 CREATE /api/v1/namespaces/default/configmaps 12.5 ms"), "\(text)")
        #expect(text.components(separatedBy: #"{"data":{"a":"1"}}"#).count == 2, "the request body shows once: \(text)")
        #expect(text.contains(#"             {"kind":"ConfigMap"}"#))
    }

    /// `kubectl create` sends protobuf: the timeline shows the object as JSON.
    @Test func aProtobufBodyShowsAsItsJSON() throws {
        let json = #"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"settings","namespace":"default"},"data":{"mode":"fast"}}"#
        let protobuf = try KubernetesProtobuf.protobuf(fromJSON: Array(json.utf8))
        #expect(String(decoding: protobuf, as: UTF8.self).contains("k8s\0"))
        var received = event(.requestReceived, after: 0)
        received.requestBody = Payload(contentType: "application/vnd.kubernetes.protobuf", bytes: protobuf)
        var renderer = APITimelineRenderer(session: "run-1", format: .text)
        let text = renderer.render(AuditRecord(writerID: "w", seq: 1, event: received))
        #expect(text.contains("request body (application/vnd.kubernetes.protobuf, \(protobuf.count) bytes):"), "\(text)")
        let shown = try #require(text.split(separator: "\n").last.map { $0.trimmingCharacters(in: .whitespaces) })
        // As Go renders the object: an unset creationTimestamp is null.
        let expected = json.replacingOccurrences(of: #""namespace":"default"}"#, with: #""namespace":"default","creationTimestamp":null}"#)
        #expect(try JSONParser.parse(shown) == JSONParser.parse(expected), "\(shown)")
    }

    @Test func jsonLinesCarryBodiesAsTextOrBase64() throws {
        var complete = event(.responseComplete, after: 1, code: 200)
        complete.responseBody = Payload(contentType: "application/octet-stream", bytes: [0xFF, 0x00, 0xFE])
        var renderer = APITimelineRenderer(session: "run-1", format: .json)
        let line = renderer.render(AuditRecord(writerID: "w", seq: 1, event: complete))
        let object = try JSONParser.parse(line)
        #expect(object["offset"] == 1_000_000)
        #expect(object["code"] == 200)
        #expect(object["responseBody"]?["base64"] == "/wD+")
    }
}
