import KubeProto
import Testing

/// Real request bodies from kubectl v1.32.4's typed create commands.
@Suite struct KubectlCaptureTests {
    @Test(arguments: Fixtures.names)
    func decodesToWhatKubectlPrintsAsJSON(name: String) throws {
        let body = try Fixtures.bytes(name, "body")
        let expected = try parsedJSON(try Fixtures.bytes(name, "json"))
        let decoded = try parsedJSON(try KubernetesProtobuf.json(fromProtobuf: body))
        #expect(decoded == expected)
    }

    @Test(arguments: Fixtures.names)
    func encodingKubectlsJSONReproducesItsBytes(name: String) throws {
        let body = try Fixtures.bytes(name, "body")
        let json = try Fixtures.bytes(name, "json")
        let encoded = try KubernetesProtobuf.protobuf(fromJSON: json)
        #expect(encoded == body)
    }

    @Test func capturedBodiesAreProtobufEnvelopesOfTheExpectedKinds() throws {
        let expected: [String: (String, String)] = [
            "namespace": ("v1", "Namespace"), "secret-generic": ("v1", "Secret"), "configmap": ("v1", "ConfigMap"),
            "deployment": ("apps/v1", "Deployment"), "deployment-replicas-port": ("apps/v1", "Deployment"),
            "service-clusterip": ("v1", "Service"), "service-nodeport": ("v1", "Service"),
            "serviceaccount": ("v1", "ServiceAccount"), "secret-docker-registry": ("v1", "Secret"),
        ]
        for name in Fixtures.names {
            let envelope = try KubernetesProtobuf.unwrap(try Fixtures.bytes(name, "body"))
            #expect(envelope.apiVersion == expected[name]?.0, "\(name)")
            #expect(envelope.kind == expected[name]?.1, "\(name)")
            #expect(envelope.contentType == "" && envelope.contentEncoding == "", "\(name)")
        }
    }

    @Test func deploymentDecodesToTheExpectedFields() throws {
        let json = try KubernetesProtobuf.jsonValue(fromProtobuf: try Fixtures.bytes("deployment-replicas-port", "body"))
        #expect(json["kind"] == .string("Deployment"))
        #expect(json["metadata"]?["namespace"] == .string("team-a"))
        #expect(json["metadata"]?["creationTimestamp"] == .null)
        #expect(json["spec"]?["replicas"] == .number("3"))
        guard case .array(let containers)? = json["spec"]?["template"]?["spec"]?["containers"] else {
            Issue.record("no containers")
            return
        }
        #expect(containers.first?["image"] == .string("nginx:1.27"))
        #expect(containers.first?["ports"] == .array([.object([GoJSONMember("containerPort", .number("8080"))])]))
    }
}
