import KubeAPI
import KubeProto

/// The name and namespace of the object in a create's body or answer, in whichever encoding it
/// came (JSON, YAML-free JSON apply bodies, Kubernetes protobuf): a create's URL names no object.
enum ObjectNames {
    static func extract(_ body: [UInt8]) -> (name: String?, namespace: String?)? {
        guard !body.isEmpty else { return nil }
        var json = body
        if KubernetesProtobuf.isEnvelope(body) {
            guard let decoded = try? KubernetesProtobuf.json(fromProtobuf: body) else { return nil }
            json = decoded
        }
        guard let object = try? JSONParser.parse(json), let metadata = object["metadata"] else { return nil }
        let name = metadata["name"]?.stringValue
        let namespace = metadata["namespace"]?.stringValue
        if name == nil, namespace == nil { return nil }
        return (name, namespace)
    }
}
