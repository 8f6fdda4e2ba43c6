/// Reads the `policy:` section: roles, deny rules, discovery.
struct PolicyParser {
    let file: String
    let clusterNames: [String]

    static let knownVerbs = [
        "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection",
        "proxy", "impersonate", "bind", "escalate", "use", "approve", "sign",
        "post", "put", "head", "options",
    ]

    func parse(_ node: YAMLNode) throws(ConfigurationError) -> PolicyConfiguration {
        let map = try node.mapping(allowedKeys: ["roles", "deny", "discovery"])
        var roles: [Role] = []
        for item in try map["roles"]?.list() ?? [] {
            let role = try self.role(item)
            if let first = roles.firstIndex(where: { $0.name == role.name }) {
                throw ConfigurationError(file: file, keyPath: "\(item.path).name", problem: "duplicate role name \"\(role.name)\" (also policy.roles[\(first)])")
            }
            roles.append(role)
        }
        var deny: [DenyRule] = []
        for item in try map["deny"]?.list() ?? [] {
            let rule = try denyRule(item)
            if let first = deny.firstIndex(where: { $0.name == rule.name }) {
                throw ConfigurationError(file: file, keyPath: "\(item.path).name", problem: "duplicate deny rule name \"\(rule.name)\" (also policy.deny[\(first)])")
            }
            deny.append(rule)
        }
        return PolicyConfiguration(roles: roles, deny: deny, discovery: try map["discovery"]?.bool() ?? true)
    }

    static let roleKeys = [
        "name", "users", "groups", "clusters", "namespaces", "cluster_scope", "verbs", "api_groups",
        "resources", "resource_names", "non_resource_urls", "impersonate",
    ]

    func role(_ node: YAMLNode) throws(ConfigurationError) -> Role {
        let map = try node.mapping(allowedKeys: Self.roleKeys)
        let name = try map.required("name").nonEmptyString()
        let users = try map["users"]?.stringList() ?? []
        let groups = try map["groups"]?.stringList() ?? []
        if users.isEmpty && groups.isEmpty { throw map.error("users", "a role must bind at least one user or group (set users, groups, or both)") }
        let resources = try map["resources"].map { node throws(ConfigurationError) in try resourceList(node) } ?? []
        let urls = try map["non_resource_urls"].map { node throws(ConfigurationError) in try urlList(node) } ?? []
        let impersonate = try map["impersonate"].map { node throws(ConfigurationError) in try impersonation(node) } ?? .none
        let verbs = try map["verbs"].map { node throws(ConfigurationError) in try verbList(node) } ?? []
        if resources.isEmpty && urls.isEmpty && impersonate == .none {
            throw map.error("resources", "the role grants nothing: set resources, non_resource_urls or impersonate")
        }
        if verbs.isEmpty && !(resources.isEmpty && urls.isEmpty) {
            throw map.error("verbs", "missing required key: a role with resources or non_resource_urls needs verbs")
        }
        return Role(
            name: name, users: users, groups: groups, clusters: try clusterList(map.required("clusters")),
            namespaces: try map["namespaces"]?.stringList(), clusterScope: try map["cluster_scope"]?.bool() ?? false,
            verbs: verbs, apiGroups: try map["api_groups"].map { node throws(ConfigurationError) in try groupList(node) } ?? ["*"],
            resources: resources, resourceNames: try map["resource_names"]?.stringList(), nonResourceURLs: urls, impersonate: impersonate)
    }

    func denyRule(_ node: YAMLNode) throws(ConfigurationError) -> DenyRule {
        let map = try node.mapping(allowedKeys: [
            "name", "users", "groups", "clusters", "namespaces", "verbs", "api_groups", "resources", "resource_names", "non_resource_urls",
        ])
        return DenyRule(
            name: try map.required("name").nonEmptyString(),
            users: try map["users"]?.stringList(), groups: try map["groups"]?.stringList(),
            clusters: try map["clusters"].map { node throws(ConfigurationError) in try clusterList(node) },
            namespaces: try map["namespaces"]?.stringList(),
            verbs: try map["verbs"].map { node throws(ConfigurationError) in try verbList(node) },
            apiGroups: try map["api_groups"].map { node throws(ConfigurationError) in try groupList(node) },
            resources: try map["resources"].map { node throws(ConfigurationError) in try resourceList(node) },
            resourceNames: try map["resource_names"]?.stringList(),
            nonResourceURLs: try map["non_resource_urls"].map { node throws(ConfigurationError) in try urlList(node) })
    }

    func clusterList(_ node: YAMLNode) throws(ConfigurationError) -> [String] {
        var result: [String] = []
        for item in try node.list() {
            let name = try item.nonEmptyString()
            guard name == "*" || clusterNames.contains(name) else {
                throw item.error("unknown cluster \"\(name)\" (defined: \(clusterNames.joined(separator: ", ")); or \"*\")")
            }
            result.append(name)
        }
        if result.isEmpty { throw node.error("must list at least one cluster (or \"*\")") }
        return result
    }

    func verbList(_ node: YAMLNode) throws(ConfigurationError) -> [String] {
        var result: [String] = []
        for item in try node.list() {
            let verb = try item.nonEmptyString()
            guard verb == "*" || Self.knownVerbs.contains(verb) else {
                throw item.error("unknown verb \"\(verb)\" (known: \(Self.knownVerbs.joined(separator: ", ")), or \"*\")")
            }
            result.append(verb)
        }
        if result.isEmpty { throw node.error("must list at least one verb (or \"*\")") }
        return result
    }

    /// API groups; `""` is the core group and is allowed here.
    func groupList(_ node: YAMLNode) throws(ConfigurationError) -> [String] {
        var result: [String] = []
        for item in try node.list() { result.append(try item.string()) }
        return result
    }

    /// `pods`, `pods/exec`, `pods/*`, `*/scale`, `*`; lower-case like the API server's resource names.
    func resourceList(_ node: YAMLNode) throws(ConfigurationError) -> [String] {
        var result: [String] = []
        for item in try node.list() {
            let text = try item.nonEmptyString()
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            let valid = parts.count <= 2 && parts.allSatisfy { part in
                part == "*" || (!part.isEmpty && part.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == ".") })
            }
            guard valid else {
                throw item.error("\"\(text)\" is not a resource (write e.g. \"pods\", \"pods/exec\", \"pods/*\", \"*/scale\", \"*\"; resource names are lower-case)")
            }
            result.append(text)
        }
        return result
    }

    func urlList(_ node: YAMLNode) throws(ConfigurationError) -> [String] {
        var result: [String] = []
        for item in try node.list() {
            let text = try item.nonEmptyString()
            guard text == "*" || (text.hasPrefix("/") && !RuleMatching.isSuspiciousPath(text.hasSuffix("*") ? String(text.dropLast()) : text)) else {
                throw item.error("\"\(text)\" is not a non-resource URL (an absolute path like \"/healthz\" or a prefix like \"/logs/*\")")
            }
            result.append(text)
        }
        return result
    }

    /// `impersonate: true`, or `impersonate: {users: [...], groups: [...]}`.
    func impersonation(_ node: YAMLNode) throws(ConfigurationError) -> ImpersonationGrant {
        if case .mapping = node.node {
            let map = try node.mapping(allowedKeys: ["users", "groups"])
            let users = try map["users"]?.stringList() ?? []
            let groups = try map["groups"]?.stringList() ?? []
            if users.isEmpty && groups.isEmpty { throw node.error("list the users and/or groups that may be impersonated, or write true") }
            return .only(users: users, groups: groups)
        }
        guard case .scalar = node.node else {
            throw node.error("expected a boolean or a mapping with users and groups, got \(node.kindDescription)")
        }
        return try node.bool() ? .any : .none
    }
}
