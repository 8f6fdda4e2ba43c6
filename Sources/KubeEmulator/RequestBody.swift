import KubeAPI
import KubeProto
import Yams

/// Request bodies in the encodings clients send: JSON, YAML, Kubernetes protobuf.
enum RequestBody {
    /// The object in `body`, decoded per `contentType`; 400/415/413 Status errors otherwise.
    static func decode(_ body: [UInt8], contentType: String?, limit: Int) throws -> JSONValue {
        if body.count > limit { throw KubernetesStatus.requestEntityTooLarge(limit: limit) }
        if body.isEmpty { throw KubernetesStatus.badRequest("the request body is empty; an object is required") }
        let media = contentType.flatMap { MediaType(parsing: $0) }
        switch media?.essence {
        case nil, "application/json":
            return try parseJSON(body)
        case "application/yaml":
            return try parseYAML(body)
        case "application/vnd.kubernetes.protobuf":
            return try ObjectTranscoding.json(fromProtobuf: body)
        default:
            throw KubernetesStatus.unsupportedMediaType(contentType ?? "")
        }
    }

    /// A PATCH body: JSON for every format; apply patches may be YAML.
    static func parsePatch(_ body: [UInt8], format: ObjectPatch.Format) throws -> JSONValue {
        if body.isEmpty { throw KubernetesStatus.badRequest("the patch is empty") }
        if format == .apply, (try? JSONParser.parse(body)) == nil { return try parseYAML(body) }
        return try parseJSON(body)
    }

    static func parseJSON(_ body: [UInt8]) throws -> JSONValue {
        do {
            return try JSONParser.parse(body)
        } catch {
            throw KubernetesStatus.badRequest("the request body is not valid JSON: \(error.description)")
        }
    }

    static func parseYAML(_ body: [UInt8]) throws -> JSONValue {
        do {
            guard let node = try Yams.compose(yaml: String(decoding: body, as: UTF8.self)) else {
                throw KubernetesStatus.badRequest("the YAML body is empty")
            }
            return try json(from: node)
        } catch let status as KubernetesStatus {
            throw status
        } catch {
            throw KubernetesStatus.badRequest("the request body is not valid YAML: \(error)")
        }
    }

    static func json(from node: Node) throws -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .doubleQuoted || scalar.style == .singleQuoted || scalar.style == .literal || scalar.style == .folded {
                return .string(scalar.string)
            }
            switch scalar.string {
            case "null", "~", "": return .null
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            default:
                if let integer = Int64(scalar.string) { return .int(integer) }
                if let double = Double(scalar.string), scalar.string.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
                    return .double(double)
                }
                return .string(scalar.string)
            }
        case .mapping(let mapping):
            var object = JSONObject()
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else { throw KubernetesStatus.badRequest("YAML mapping keys must be strings") }
                object[keyScalar.string] = try json(from: value)
            }
            return .object(object)
        case .sequence(let sequence):
            return .array(try sequence.map(json(from:)))
        case .alias:
            throw KubernetesStatus.badRequest("YAML aliases are not accepted")
        }
    }
}

