/// Who is asking: the authenticated user and groups (the proxy always adds `system:authenticated`).
public struct Identity: Sendable, Equatable {
    public var user: String
    public var groups: [String]

    public init(user: String, groups: [String]) {
        self.user = user
        self.groups = groups
    }
}

/// What is asked, in the terms of the Kubernetes `RequestInfo` (verb, group, resource, …).
///
/// Resource requests fill `verb`, `apiGroup` (`""` for core), `resource`, `subresource`,
/// `namespace` (`""` for cluster-scoped resources and all-namespace lists) and `name`.
/// Non-resource requests (`/version`, `/api`, `/healthz`) fill `verb` (the lower-case HTTP
/// method) and `path`.
public struct RequestAttributes: Sendable, Equatable {
    public var verb: String
    public var apiGroup: String
    public var resource: String
    public var subresource: String
    public var namespace: String
    public var name: String
    public var isResourceRequest: Bool
    public var path: String

    public init(
        verb: String, apiGroup: String = "", resource: String = "", subresource: String = "",
        namespace: String = "", name: String = "", isResourceRequest: Bool = true, path: String = ""
    ) {
        self.verb = verb
        self.apiGroup = apiGroup
        self.resource = resource
        self.subresource = subresource
        self.namespace = namespace
        self.name = name
        self.isResourceRequest = isResourceRequest
        self.path = path
    }

    /// A resource request.
    public static func resource(
        _ verb: String, _ resource: String, subresource: String = "", apiGroup: String = "",
        namespace: String = "", name: String = ""
    ) -> RequestAttributes {
        RequestAttributes(verb: verb, apiGroup: apiGroup, resource: resource, subresource: subresource, namespace: namespace, name: name)
    }

    /// A non-resource request (`/version`, `/apis`, …).
    public static func nonResource(_ verb: String, path: String) -> RequestAttributes {
        RequestAttributes(verb: verb, isResourceRequest: false, path: path)
    }

    /// `pods` or `pods/exec`.
    var combinedResource: String { subresource.isEmpty ? resource : "\(resource)/\(subresource)" }

    /// Words for a reason text: `get pods/log "web" in namespace "team-a"`.
    var summary: String {
        guard isResourceRequest else { return "\(verb) \(path)" }
        var text = verb + " " + (apiGroup.isEmpty ? combinedResource : "\(combinedResource).\(apiGroup)")
        if !name.isEmpty { text += " \"\(name)\"" }
        text += namespace.isEmpty ? " (cluster scope)" : " in namespace \"\(namespace)\""
        return text
    }
}
