/// What a request to a Kubernetes API server is about: verb, group, version, resource, name.
///
/// Resolved from method, path and query the way kube-apiserver's `RequestInfoFactory` does
/// (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go), so the proxy's policy and audit see
/// the same verbs RBAC and the cluster's own audit log would.
public struct RequestInfo: Sendable, Equatable {
    /// Whether the path names an API resource (`/api/…`, `/apis/…`) rather than `/version`, `/healthz`, ….
    public var isResourceRequest: Bool
    /// The URL path as requested.
    public var path: String
    /// RBAC verb: get, list, watch, create, update, patch, delete, deletecollection; for
    /// non-resource URLs the lowercased method.
    public var verb: String
    public var apiPrefix: String
    public var apiGroup: String
    public var apiVersion: String
    public var namespace: String
    public var resource: String
    public var subresource: String
    public var name: String
    /// The path segments after the subresource (e.g. `pods/web/proxy/some/path`).
    public var parts: [String]

    public init(
        isResourceRequest: Bool, path: String, verb: String, apiPrefix: String = "", apiGroup: String = "",
        apiVersion: String = "", namespace: String = "", resource: String = "", subresource: String = "",
        name: String = "", parts: [String] = []
    ) {
        self.isResourceRequest = isResourceRequest
        self.path = path
        self.verb = verb
        self.apiPrefix = apiPrefix
        self.apiGroup = apiGroup
        self.apiVersion = apiVersion
        self.namespace = namespace
        self.resource = resource
        self.subresource = subresource
        self.name = name
        self.parts = parts
    }

    /// Whether this is one of the streaming "connect" subresources that upgrade the connection.
    public var isConnect: Bool {
        resource == "pods" && ["exec", "attach", "portforward"].contains(subresource)
    }
}

/// Resolves `RequestInfo` from a request line, as kube-apiserver does.
public enum RequestInfoResolver {
    static let apiPrefixes: Set<String> = ["api", "apis"]
    static let grouplessAPIPrefixes: Set<String> = ["api"]
    /// Subresources of a namespace itself (`/api/v1/namespaces/foo/status`).
    static let namespaceSubresources: Set<String> = ["status", "finalize"]
    static let specialVerbs: Set<String> = ["proxy", "watch"]
    static let specialVerbsNoSubresources: Set<String> = ["proxy"]

    /// Resolves a request. `path` is the URL path without the query; `query` the decoded query items.
    public static func resolve(method: String, path: String, query: [(String, String)]) -> RequestInfo {
        let lowerMethod = method.lowercased()
        var info = RequestInfo(isResourceRequest: false, path: path, verb: lowerMethod)
        var parts = splitPath(path)
        guard parts.count >= 3, apiPrefixes.contains(parts[0]) else { return info }
        info.apiPrefix = parts[0]
        parts.removeFirst()
        if !grouplessAPIPrefixes.contains(info.apiPrefix) {
            guard parts.count >= 3 else { return info }
            info.apiGroup = parts[0]
            parts.removeFirst()
        }
        info.apiVersion = parts[0]
        parts.removeFirst()
        info.isResourceRequest = true

        if specialVerbs.contains(parts[0]) {
            guard parts.count >= 2 else {
                return RequestInfo(isResourceRequest: false, path: path, verb: lowerMethod)
            }
            info.verb = parts[0]
            parts.removeFirst()
        } else {
            switch method.uppercased() {
            case "POST": info.verb = "create"
            case "GET", "HEAD": info.verb = "get"
            case "PUT": info.verb = "update"
            case "PATCH": info.verb = "patch"
            case "DELETE": info.verb = "delete"
            default: info.verb = ""
            }
        }

        if parts[0] == "namespaces" {
            if parts.count > 1 {
                info.namespace = parts[1]
                // A namespace's own subresources (status, finalize) keep "namespaces" as the resource.
                if parts.count > 2, !namespaceSubresources.contains(parts[2]) {
                    parts.removeFirst(2)
                }
            }
        } else {
            info.namespace = ""
        }

        info.parts = parts
        if parts.count >= 3, !specialVerbsNoSubresources.contains(info.verb) {
            info.subresource = parts[2]
        }
        if parts.count >= 2 { info.name = parts[1] }
        if parts.count >= 1 { info.resource = parts[0] }

        if info.name.isEmpty, info.verb == "get" { info.verb = "list" }
        if info.verb == "list" || info.verb == "get", QueryFlag.isSet("watch", in: query) {
            info.verb = "watch"
        }
        if info.verb == "delete", info.name.isEmpty { info.verb = "deletecollection" }
        // A list or watch narrowed to one name by field selector is authorized as that name.
        if info.verb == "list" || info.verb == "watch", info.name.isEmpty,
            let selector = query.last(where: { $0.0 == "fieldSelector" })?.1,
            let name = FieldSelector.singleName(selector)
        {
            info.name = name
        }
        return info
    }

    /// The path's segments without empty ones (a trailing slash names the same thing).
    public static func splitPath(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }
}
