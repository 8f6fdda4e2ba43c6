import Foundation
import Testing

@testable import KubeProto

@Suite struct KubeTimeTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00Z"), (1_795_615_200, "2026-11-25T14:00:00Z"),
        (951_782_400, "2000-02-29T00:00:00Z"), (-1, "1969-12-31T23:59:59Z"),
        (253_402_300_799, "9999-12-31T23:59:59Z"), (-62_135_596_800, "0001-01-01T00:00:00Z"),
    ])
    func formatsAndParsesRFC3339(seconds: Int64, text: String) throws {
        #expect(KubeTime.format(unixSeconds: seconds, microseconds: nil) == text)
        let parsed = try #require(KubeTime.parse(text, requireMicroseconds: false))
        #expect(parsed.seconds == seconds && parsed.nanos == 0)
    }

    @Test func microTimeHasSixDigits() throws {
        #expect(KubeTime.format(unixSeconds: 1_795_615_200, microseconds: 42) == "2026-11-25T14:00:00.000042Z")
        let parsed = try #require(KubeTime.parse("2026-11-25T14:00:00.123456Z", requireMicroseconds: true))
        #expect(parsed.seconds == 1_795_615_200 && parsed.nanos == 123_456_000)
        #expect(KubeTime.parse("2026-11-25T14:00:00Z", requireMicroseconds: true) == nil)
        #expect(KubeTime.parse("2026-11-25T14:00:00.1234567Z", requireMicroseconds: true) == nil)
    }

    @Test func offsetsAndFractionsAreAccepted() throws {
        #expect(KubeTime.parse("2026-11-25T15:30:00+01:30", requireMicroseconds: false)?.seconds == 1_795_615_200)
        #expect(KubeTime.parse("2026-11-25T12:00:00-02:00", requireMicroseconds: false)?.seconds == 1_795_615_200)
        #expect(KubeTime.parse("2026-11-25T14:00:00.999999999Z", requireMicroseconds: false)?.nanos == 999_999_999)
    }

    @Test(arguments: [
        "", "2026-11-25", "2026-11-25T14:00:00", "2026-13-01T00:00:00Z", "2026-11-31T00:00:00Z",
        "2025-02-29T00:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25t14:00:00z", "2026-11-25T14:00:00.Z",
        "2026-11-25T14:00:00+24:00", "2026-11-25T14:00:00Z ", "+2026-11-25T14:00:00Z",
    ])
    func invalidTimesAreRejected(text: String) {
        #expect(KubeTime.parse(text, requireMicroseconds: false) == nil)
    }

    @Test func timesRoundTripThroughProtobufAsGoDoes() throws {
        // Time loses its fraction (Go writes whole seconds); MicroTime keeps microseconds.
        let json = #"{"apiVersion":"v1","kind":"Event","metadata":{"creationTimestamp":"2026-11-25T15:00:00.75+01:00"},"involvedObject":{},"eventTime":"2026-11-25T14:00:00.123456Z","reportingComponent":"","reportingInstance":""}"#
        let back = try KubernetesProtobuf.jsonValue(fromProtobuf: try KubernetesProtobuf.protobuf(fromJSON: Array(json.utf8)))
        #expect(back["metadata"]?["creationTimestamp"] == .string("2026-11-25T14:00:00Z"))
        #expect(back["eventTime"] == .string("2026-11-25T14:00:00.123456Z"))
        #expect(back["firstTimestamp"] == .null)
    }
}

@Suite struct KubeQuantityTests {
    @Test(arguments: ["0", "1", "-1", "+1", "1.5", ".5", "5.", "500m", "100n", "2u", "1k", "128Mi", "2Gi", "1Ei", "1e3", "1E-2", "1.5e+3", "10M"])
    func validQuantities(text: String) { #expect(KubeQuantity.isValid(text)) }

    @Test(arguments: ["", ".", "-", "1 Gi", "1GB", "Gi", "1e", "1ee3", "1Kii", "abc", "1.2.3", "1K"])
    func invalidQuantities(text: String) { #expect(!KubeQuantity.isValid(text)) }

    @Test func bareNumbersAreAcceptedAsQuantities() throws {
        // resource.Quantity's UnmarshalJSON accepts unquoted numbers; the JSON written is a string.
        let json = #"{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":2,"memory":" 1Gi "}}}]}}"#
        let back = try KubernetesProtobuf.jsonValue(fromProtobuf: try KubernetesProtobuf.protobuf(fromJSON: Array(json.utf8)))
        guard case .array(let containers)? = back["spec"]?["containers"] else { throw NotAnObject() }
        #expect(containers.first?["resources"]?["limits"] == .object([GoJSONMember("cpu", .string("2")), GoJSONMember("memory", .string("1Gi"))]))
    }
}

@Suite struct JSONTests {
    @Test func parsesAndKeepsOrderAndNumberText() throws {
        let value = try GoJSONValue.parse(Array(#" {"b": [1, -2.50e3, true, null], "a": {"x": "y"}} "#.utf8))
        #expect(value == .object([
            GoJSONMember("b", .array([.number("1"), .number("-2.50e3"), .bool(true), .null])),
            GoJSONMember("a", .object([GoJSONMember("x", .string("y"))])),
        ]))
    }

    @Test func decodesEscapesAndSurrogates() throws {
        let value = try GoJSONValue.parse(Array(#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\ud800x""#.utf8))
        #expect(value == .string("a\"\\/\u{8}\u{c}\n\r\té😀\u{FFFD}x"))
    }

    @Test func writesLikeGoEncodingJSON() {
        let value = GoJSONValue.object([
            GoJSONMember("html", .string("<a href=\"x\">&</a>")), GoJSONMember("ctl", .string("\u{1}\n\u{2028}é😀")),
            GoJSONMember("n", .number("12")), GoJSONMember("list", .array([.bool(false), .null])),
        ])
        let text = String(decoding: value.jsonBytes, as: UTF8.self)
        #expect(text == #"{"html":"\u003ca href=\"x\"\u003e\u0026\u003c/a\u003e","ctl":"\u0001\n\u2028é😀","n":12,"list":[false,null]}"#)
        #expect((try? GoJSONValue.parse(value.jsonBytes)) == value)
    }

    @Test(arguments: ["", " ", "{", "[1,]", "{\"a\"}", "{\"a\":}", "01", "1.", "-", "1e", "+1", "tru", "\"\u{1}\"", "\"abc", "{} x", "NaN", "'a'"])
    func rejectsInvalidJSON(text: String) {
        #expect(throws: KubernetesProtobufError.self) { _ = try GoJSONValue.parse(Array(text.utf8)) }
    }
}

@Suite struct GoJSONSchemaTests {
    @Test func everyReferencedMessageHasALayout() {
        for message in GoJSONSchema.messages.values {
            for field in message.fields {
                if case .message(let name) = field.valueType {
                    #expect(GoJSONSchema.message(name) != nil, "\(message.protoName).\(field.number) -> \(name)")
                }
            }
        }
    }

    @Test func inlineFieldsAreTheOnesGoMarksInline() {
        // From kubernetes/api core/v1 types.go: every `json:",inline"` field with a protobuf tag.
        var inline: Set<String> = []
        for message in GoJSONSchema.messages.values {
            for field in message.fields where field.isInline {
                if case .message(let target) = field.valueType {
                    inline.insert("\(message.protoName.split(separator: ".").last!)>\(target.split(separator: ".").last!)")
                }
            }
        }
        #expect(inline.isSuperset(of: [
            "Volume>VolumeSource", "EphemeralContainer>EphemeralContainerCommon", "Probe>ProbeHandler",
            "ConfigMapVolumeSource>LocalObjectReference", "SecretKeySelector>LocalObjectReference",
            "ConfigMapKeySelector>LocalObjectReference", "ConfigMapEnvSource>LocalObjectReference",
            "SecretEnvSource>LocalObjectReference", "ConfigMapProjection>LocalObjectReference",
            "SecretProjection>LocalObjectReference",
        ]))
        #expect(!inline.contains { $0.hasSuffix(">TypeMeta") })
    }

    @Test func goPointerAndOmitemptyFlagsAreRead() throws {
        let spec = try #require(GoJSONSchema.message("k8s.io.api.apps.v1.DeploymentSpec"))
        let replicas = try #require(spec.fields.first { $0.jsonName == "replicas" })
        #expect(replicas.isPointer && replicas.omitEmpty && replicas.valueType == .int32)
        let selector = try #require(spec.fields.first { $0.jsonName == "selector" })
        #expect(selector.isPointer && !selector.omitEmpty)
        let podSpec = try #require(GoJSONSchema.message("k8s.io.api.core.v1.PodSpec"))
        #expect(podSpec.jsonKeys.contains("containers") && !podSpec.jsonKeys.contains("kind"))
        #expect(GoJSONSchema.message("k8s.io.api.core.v1.Pod")?.jsonKeys.contains("apiVersion") == true)
        #expect(GoJSONSchema.message("k8s.io.api.core.v1.Volume")?.jsonKeys.contains("configMap") == true)
    }
}
