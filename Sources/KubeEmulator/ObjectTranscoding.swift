import KubeAPI
import KubeProto

/// Objects to and from Kubernetes protobuf, and the strict decoding check kube-apiserver makes
/// when a client sends `fieldValidation=Strict` (kubectl does, by default).
///
/// Both go through the messages generated from the upstream .proto files (KubeProto), so what
/// counts as a known field or a right type is what the Go types say.
enum ObjectTranscoding {
    static func supportsProtobuf(_ type: ResourceType) -> Bool {
        KubernetesProtobuf.supports(apiVersion: type.apiVersion, kind: type.kind)
    }

    /// The JSON of a protobuf-enveloped body; 400 when it cannot be read.
    static func json(fromProtobuf body: [UInt8]) throws -> JSONValue {
        let bytes: [UInt8]
        do {
            bytes = try KubernetesProtobuf.json(fromProtobuf: body)
        } catch {
            throw KubernetesStatus.badRequest("the protobuf request body could not be decoded: \(error.description)")
        }
        return try RequestBody.parseJSON(bytes)
    }

    /// The object (or list) in the protobuf envelope.
    static func protobuf(_ object: JSONValue) throws -> [UInt8] {
        do {
            return try KubernetesProtobuf.protobuf(fromJSON: JSONSerializer.bytes(object), rejectUnknownFields: false)
        } catch {
            throw KubernetesStatus.internalError("cannot encode the response as protobuf: \(error.description)")
        }
    }

    /// Decodes `object` as its Go type would: wrong types are 400 always; unknown and duplicate
    /// fields are 400 under `Strict` and let through under `Warn` and `Ignore`.
    static func validate(_ object: JSONValue, type: ResourceType, directive: String?) throws {
        guard supportsProtobuf(type) else { return }
        var typed = object
        typed["apiVersion"] = .string(type.apiVersion)
        typed["kind"] = .string(type.kind)
        do {
            _ = try KubernetesProtobuf.protobuf(fromJSON: JSONSerializer.bytes(typed), rejectUnknownFields: true)
        } catch let error {
            let unknown = error.code == .unknownField || error.code == .duplicateField
            if unknown, directive != "Strict" { return }
            throw KubernetesStatus.badRequest(
                "\(type.kind) in version \"\(type.version)\" cannot be handled as a \(type.kind): \(error.message)")
        }
    }
}
