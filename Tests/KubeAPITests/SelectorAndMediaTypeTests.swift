import KubeAPI
import Testing

@Suite struct SelectorTests {
    @Test func labelSelectorRequirements() throws {
        let selector = try LabelSelector(parsing: "app=web,tier!=db,env in (prod, staging),!legacy,team")
        #expect(selector.matches(["app": "web", "env": "prod", "team": "a"]))
        #expect(!selector.matches(["app": "web", "env": "prod", "team": "a", "legacy": "1"]))
        #expect(!selector.matches(["app": "web", "env": "dev", "team": "a"]))
        #expect(!selector.matches(["app": "web", "env": "prod", "team": "a", "tier": "db"]))
        #expect(!selector.matches(["app": "web", "env": "prod"]))
        let notIn = try LabelSelector(parsing: "env notin (prod)")
        #expect(notIn.matches([:]))
        #expect(!notIn.matches(["env": "prod"]))
    }

    @Test func malformedSelectorsAreErrors() {
        #expect(throws: SelectorParseError.self) { try LabelSelector(parsing: "env in prod") }
        #expect(throws: SelectorParseError.self) { try LabelSelector(parsing: "a b=c") }
        #expect(throws: SelectorParseError.self) { try FieldSelector(parsing: "metadata.name") }
        #expect(throws: SelectorParseError.self) { try FieldSelector(parsing: "=x") }
    }

    @Test func trimmingHandlesLineEndings() {
        #expect("token\n".trimming(" \t\r\n") == "token")
        #expect("\r\n token \r\n".trimming(" \t\r\n") == "token")
        #expect("  a b  ".trimming(" ") == "a b")
    }

    @Test func fieldSelectors() throws {
        let selector = try FieldSelector(parsing: "metadata.name=web,status.phase!=Failed")
        let fields = ["metadata.name": "web", "status.phase": "Running"]
        #expect(selector.matches { fields[$0] })
        #expect(!selector.matches { ["metadata.name": "web", "status.phase": "Failed"][$0] })
        #expect(FieldSelector.singleName("metadata.name=web") == "web")
        #expect(FieldSelector.singleName("metadata.name!=web") == nil)
        #expect(FieldSelector.singleName("metadata.name=a,metadata.namespace=b") == nil)
    }
}

@Suite struct MediaTypeTests {
    static let kubectlGet = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"

    @Test func kubectlGetNegotiatesATable() {
        let accept = MediaType.parseAccept(Self.kubectlGet)
        #expect(accept.count == 3)
        #expect(ResponseRepresentation.negotiate(accept, tableAllowed: true, protobufAllowed: true) == .table)
        #expect(ResponseRepresentation.negotiate(accept, tableAllowed: false, protobufAllowed: true) == .json)
    }

    @Test func protobufFirstWinsOnlyWhenServed() {
        let accept = MediaType.parseAccept("application/vnd.kubernetes.protobuf,application/json")
        #expect(ResponseRepresentation.negotiate(accept, tableAllowed: true, protobufAllowed: true) == .protobuf)
        #expect(ResponseRepresentation.negotiate(accept, tableAllowed: true, protobufAllowed: false) == .json)
    }

    @Test func wildcardsAndMissingAccept() {
        #expect(ResponseRepresentation.negotiate(MediaType.parseAccept(nil), tableAllowed: true, protobufAllowed: true) == .json)
        #expect(ResponseRepresentation.negotiate(MediaType.parseAccept("*/*"), tableAllowed: true, protobufAllowed: true) == .json)
        #expect(ResponseRepresentation.negotiate(MediaType.parseAccept("text/html"), tableAllowed: true, protobufAllowed: true) == nil)
        #expect(ResponseRepresentation.negotiate(MediaType.parseAccept("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"),
                                                 tableAllowed: true, protobufAllowed: true) == nil)
    }

    @Test func statusBodiesAreWordedLikeTheAPIServer() throws {
        let status = KubernetesStatus.notFound(resource: "deployments", group: "apps", name: "api")
        #expect(status.message == "deployments.apps \"api\" not found")
        let json = try JSONParser.parse(status.bytes)
        #expect(json["kind"] == "Status")
        #expect(json["code"] == .int(404))
        #expect(json[path: ["details", "group"]] == "apps")
        let forbidden = KubernetesStatus.forbidden(user: "bob", verb: "list", resource: "pods", group: "", name: nil, namespace: "default")
        #expect(forbidden.message == "pods is forbidden: User \"bob\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"")
        let invalid = KubernetesStatus.invalid(kind: "Pod", name: "x", causes: [.required("spec.containers")])
        #expect(invalid.message == "Pod \"x\" is invalid: spec.containers: Required value")
        #expect(try JSONParser.parse(KubernetesStatus.success().bytes)["message"] == nil)
    }

    @Test func timestamps() {
        let micros: Int64 = 1_795_615_200_123_456
        #expect(KubernetesTime.rfc3339(microseconds: micros) == "2026-11-25T14:00:00Z")
        #expect(KubernetesTime.rfc3339Micro(microseconds: micros) == "2026-11-25T14:00:00.123456Z")
        #expect(KubernetesTime.parse("2026-11-25T14:00:00.123456Z") == micros)
        #expect(KubernetesTime.parse("2026-11-25T15:00:00.123456+01:00") == micros)
        #expect(KubernetesTime.parse("2026-11-25 14:00:00Z") == nil)
        #expect(KubernetesTime.humanDuration(seconds: 5) == "5s")
        #expect(KubernetesTime.humanDuration(seconds: 185) == "3m5s")
        #expect(KubernetesTime.humanDuration(seconds: 3 * 86400 + 7200) == "3d2h")
    }
}
