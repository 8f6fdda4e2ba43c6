import Crypto
import KubeAPI

/// `/openapi/v3` and `/openapi/v2`, as far as kubectl 1.32 reads them.
///
/// kubectl fetches the v3 root, then the document of the object's group version, and looks for
/// the kind's PATCH operation with a `fieldValidation` query parameter: when it is there, kubectl
/// leaves validation to the server (`fieldValidation=Strict`) instead of validating against v2
/// itself. Strategic-merge patches then come from kubectl's compiled-in types. `kind: List`
/// files read only v2, for which an empty protobuf document (200, no body) suffices.
enum OpenAPIDocuments {
    static let v2ContentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"

    static func response(path: [String], request: EmulatorRequest) throws -> EmulatorResponse {
        switch path.count {
        case 2 where path[1] == "v2":
            return .full(status: 200, headers: [("content-type", v2ContentType)], body: [])
        case 2 where path[1] == "v3":
            let root = rootDocument()
            let etag = "\"" + hash(JSONSerializer.bytes(root)) + "\""
            if request.header("if-none-match") == etag {
                return .full(status: 304, headers: [("etag", etag)], body: [])
            }
            return .full(status: 200, headers: [("content-type", "application/json"), ("etag", etag)],
                         body: JSONSerializer.bytes(root))
        default:
            guard path.count >= 4, path[1] == "v3" else { throw KubernetesStatus.pageNotFound() }
            let groupVersionPath = path.dropFirst(2).joined(separator: "/")
            guard let document = groupVersionDocument(groupVersionPath) else { throw KubernetesStatus.pageNotFound() }
            let bytes = JSONSerializer.bytes(document)
            let documentHash = hash(bytes)
            var headers = [("content-type", "application/json"), ("etag", "\"\(documentHash)\""), ("vary", "Accept")]
            if request.queryValue("hash") == documentHash {
                headers.append(("cache-control", "public, immutable"))
            }
            return .full(status: 200, headers: headers, body: bytes)
        }
    }

    static func hash(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).prefix(16).map { byte in
            let text = String(byte, radix: 16, uppercase: true)
            return text.count == 1 ? "0" + text : text
        }.joined()
    }

    static func rootDocument() -> JSONValue {
        var paths = JSONObject()
        for (group, version) in ResourceCatalog.groupVersions {
            let key = group.isEmpty ? "api/\(version)" : "apis/\(group)/\(version)"
            let document = groupVersionDocument(key)!
            paths[key] = ["serverRelativeURL": .string("/openapi/v3/\(key)?hash=\(hash(JSONSerializer.bytes(document)))")]
        }
        return ["paths": .object(paths)]
    }

    /// The document of one group version (`api/v1`, `apis/apps/v1`): each kind's PATCH operation.
    static func groupVersionDocument(_ key: String) -> JSONValue? {
        let types = ResourceCatalog.all.filter { ($0.group.isEmpty ? "api/\($0.version)" : "apis/\($0.group)/\($0.version)") == key }
        guard !types.isEmpty else { return nil }
        var paths = JSONObject()
        for type in types {
            let path = type.namespaced
                ? "\(type.groupVersionPath)/namespaces/{namespace}/\(type.resource)/{name}"
                : "\(type.groupVersionPath)/\(type.resource)/{name}"
            paths[path] = [
                "patch": [
                    "x-kubernetes-group-version-kind": ["group": .string(type.group), "version": .string(type.version), "kind": .string(type.kind)],
                    "parameters": [["name": "fieldValidation", "in": "query", "schema": ["type": "string"]]],
                ],
            ]
        }
        return ["openapi": "3.0.0", "info": ["title": "Kubernetes", "version": "v1.36.0"], "paths": .object(paths)]
    }
}
