import KubeAPI

/// `/openapi/v2` and `/openapi/v3`: only what kubectl reads (see the kubectl notes in the docs).
enum OpenAPIDocuments {
    static func response(path: [String], request: EmulatorRequest) throws -> EmulatorResponse {
        throw KubernetesStatus.pageNotFound()
    }
}
