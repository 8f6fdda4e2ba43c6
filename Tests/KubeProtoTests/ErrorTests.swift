import Foundation
import KubeProto
import Testing

@Suite struct ErrorTests {
    func protobufError(_ json: String, strict: Bool = true) -> KubernetesProtobufError? {
        do {
            _ = try KubernetesProtobuf.protobuf(fromJSON: Array(json.utf8), rejectUnknownFields: strict)
            return nil
        } catch {
            return error
        }
    }

    func jsonError(_ bytes: [UInt8]) -> KubernetesProtobufError? {
        do {
            _ = try KubernetesProtobuf.json(fromProtobuf: bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func unknownFieldsAreNamedWithTheirPaths() throws {
        let error = try #require(protobufError("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","nmae":"x"},
            "spec":{"template":{"spec":{"containers":[{"name":"c","image":"i","imagePullPolcy":"Always"}]}}}}
            """))
        #expect(error.code == .unknownField)
        #expect(error.path == "metadata.nmae")
        #expect(error.message.contains(#"unknown field "metadata.nmae""#))
        #expect(error.message.contains(#"unknown field "spec.template.spec.containers[0].imagePullPolcy""#))
    }

    @Test func unknownFieldsAreIgnoredWhenNotStrict() throws {
        let json = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","extra":1},"bogus":true,"data":{"k":"v"}}"#
        #expect(protobufError(json) != nil)
        let protobuf = try KubernetesProtobuf.protobuf(fromJSON: Array(json.utf8), rejectUnknownFields: false)
        let back = try KubernetesProtobuf.jsonValue(fromProtobuf: protobuf)
        #expect(back["data"]?["k"] == .string("v"))
        #expect(back["bogus"] == nil)
    }

    @Test func inlineFieldsAreKnownButTheirGoNamesAreNot() throws {
        // Volume inlines VolumeSource: "configMap" is a Volume member, "volumeSource" is not.
        let good = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[],"volumes":[{"name":"v","configMap":{"name":"c"}}]}}"#
        #expect(protobufError(good) == nil)
        let bad = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"volumes":[{"name":"v","volumeSource":{}}]}}"#
        #expect(protobufError(bad)?.path == "spec.volumes[0].volumeSource")
    }

    @Test func duplicateFieldsAreReportedWhenStrict() throws {
        let json = #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a","name":"b"}}"#
        let error = try #require(protobufError(json))
        #expect(error.code == .duplicateField)
        #expect(error.path == "metadata.name")
        // Non-strict: the last one wins, as in Go.
        let protobuf = try KubernetesProtobuf.protobuf(fromJSON: Array(json.utf8), rejectUnknownFields: false)
        #expect(try KubernetesProtobuf.jsonValue(fromProtobuf: protobuf)["metadata"]?["name"] == .string("b"))
    }

    @Test(arguments: [
        (#"{"apiVersion":"v1","kind":"Service","spec":{"ports":[{"port":"80"}]}}"#, "spec.ports[0].port"),
        (#"{"apiVersion":"v1","kind":"Service","spec":{"ports":[{"port":80.5}]}}"#, "spec.ports[0].port"),
        (#"{"apiVersion":"v1","kind":"Service","spec":{"ports":[{"port":3000000000}]}}"#, "spec.ports[0].port"),
        (#"{"apiVersion":"v1","kind":"Service","spec":{"ports":{"port":80}}}"#, "spec.ports"),
        (#"{"apiVersion":"v1","kind":"Service","spec":{"ports":[{"port":80,"targetPort":true}]}}"#, "spec.ports[0].targetPort"),
        (#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":7}}"#, "metadata.name"),
        (#"{"apiVersion":"v1","kind":"Secret","metadata":{"labels":{"a":1}}}"#, "metadata.labels[a]"),
        (#"{"apiVersion":"v1","kind":"Secret","immutable":"yes"}"#, "immutable"),
        (#"{"apiVersion":"v1","kind":"Secret","metadata":[]}"#, "metadata"),
        (#"{"apiVersion":"v1","kind":"Pod","metadata":{"creationTimestamp":1732543200}}"#, "metadata.creationTimestamp"),
        (#"{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":true}}}]}}"#,
         "spec.containers[0].resources.limits[cpu]"),
    ])
    func wrongTypesNameTheField(json: String, path: String) throws {
        let error = try #require(protobufError(json))
        #expect(error.code == .wrongType)
        #expect(error.path == path)
    }

    @Test(arguments: [
        (#"{"apiVersion":"v1","kind":"Pod","metadata":{"creationTimestamp":"2026-11-25 14:00:00"}}"#, "metadata.creationTimestamp"),
        (#"{"apiVersion":"v1","kind":"Pod","metadata":{"creationTimestamp":"2026-02-30T14:00:00Z"}}"#, "metadata.creationTimestamp"),
        (#"{"apiVersion":"v1","kind":"Event","eventTime":"2026-11-25T14:00:00Z"}"#, "eventTime"),
        (#"{"apiVersion":"v1","kind":"Event","eventTime":"2026-11-25T14:00:00.123Z"}"#, "eventTime"),
        (#"{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","resources":{"requests":{"memory":"12 GB"}}}]}}"#,
         "spec.containers[0].resources.requests[memory]"),
        (#"{"apiVersion":"v1","kind":"Secret","data":{"k":"not base64!"}}"#, "data[k]"),
    ])
    func invalidValuesNameTheField(json: String, path: String) throws {
        let error = try #require(protobufError(json))
        #expect(error.code == .invalidValue)
        #expect(error.path == path)
    }

    @Test func unsupportedKindsAreRejectedBothWays() throws {
        let error = try #require(protobufError(#"{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"}}"#))
        #expect(error.code == .unsupportedKind)
        #expect(error.description.contains("batch/v1"))
        let body = KubernetesProtobuf.wrap(KubernetesProtobufEnvelope(apiVersion: "v1", kind: "Node", raw: []))
        #expect(jsonError(body)?.code == .unsupportedKind)
        #expect(!KubernetesProtobuf.supports(apiVersion: "v1", kind: "Node"))
        #expect(!KubernetesProtobuf.supports(apiVersion: "apps/v1", kind: "Pod"))
        #expect(KubernetesProtobuf.supports(apiVersion: "apps/v1", kind: "Deployment"))
        #expect(KubernetesProtobuf.supports(apiVersion: "v1", kind: "Status"))
        #expect(KubernetesProtobuf.supports(apiVersion: "meta.k8s.io/v1", kind: "DeleteOptions"))
    }

    @Test func missingTypeMetaIsReported() throws {
        #expect(protobufError(#"{"kind":"Pod"}"#)?.code == .missingTypeMeta)
        #expect(protobufError(#"{"apiVersion":"v1"}"#)?.code == .missingTypeMeta)
        #expect(protobufError(#"{"apiVersion":"v1","kind":""}"#)?.code == .missingTypeMeta)
        #expect(protobufError(#"[1,2]"#)?.code == .wrongType)
    }

    @Test func malformedJSONIsReported() throws {
        for text in [#"{"apiVersion":"v1","kind":"Pod""#, "", "nul", #"{"a":1,}"#, #"{"a":01}"#, "{} {}", #"{"a":"\x"}"#] {
            #expect(protobufError(text)?.code == .malformedJSON, "\(text)")
        }
    }

    @Test func notAnEnvelopeIsReported() throws {
        for bytes: [UInt8] in [[], Array("k8s".utf8), Array(#"{"kind":"Pod"}"#.utf8), [0x6B, 0x38, 0x73, 0x01, 0x0A, 0x00]] {
            #expect(jsonError(bytes)?.code == .notAnEnvelope)
            #expect(!KubernetesProtobuf.isEnvelope(bytes))
        }
    }

    @Test func truncatedProtobufIsReported() throws {
        let body = try Fixtures.bytes("deployment", "body")
        // Cutting inside the envelope or the object must fail, never produce an object silently
        // missing its tail... except at field boundaries of the envelope, where protobuf cannot tell.
        var failures = 0
        for length in 4..<body.count {
            if let error = jsonError(Array(body.prefix(length))) {
                #expect([.malformedProtobuf, .unsupportedKind].contains(error.code), "length \(length): \(error)")
                failures += 1
            }
        }
        #expect(failures >= body.count - 4 - 3)
        let error = try #require(jsonError(Array(body.prefix(100))))
        #expect(error.code == .malformedProtobuf)
    }

    @Test func badObjectBytesInsideAGoodEnvelopeAreReported() throws {
        let body = KubernetesProtobuf.wrap(KubernetesProtobufEnvelope(apiVersion: "v1", kind: "Pod", raw: [0x0A, 0x05, 0x0A]))
        let error = try #require(jsonError(body))
        #expect(error.code == .malformedProtobuf)
        #expect(error.description.contains("Pod"))
    }

    @Test func impossibleIntOrStringTypeIsReported() throws {
        // Service port 80 with targetPort {type: 7}.
        let targetPort: [UInt8] = [0x08, 0x07]
        let port: [UInt8] = [0x18, 0x50, 0x22, UInt8(targetPort.count)] + targetPort
        let spec: [UInt8] = [0x0A, UInt8(port.count)] + port
        let service: [UInt8] = [0x12, UInt8(spec.count)] + spec
        let body = KubernetesProtobuf.wrap(KubernetesProtobufEnvelope(apiVersion: "v1", kind: "Service", raw: service))
        let error = try #require(jsonError(body))
        #expect(error.code == .invalidValue)
        #expect(error.path == "spec.ports[0].targetPort")
    }
}
