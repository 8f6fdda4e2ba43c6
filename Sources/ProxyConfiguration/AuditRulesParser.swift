/// Reads the audit level keys of `audit:`: `default_level`, `omit_stages`, `rules`.
struct AuditRulesParser {
    let file: String
    let clusterNames: [String]

    func parse(_ map: YAMLMapping) throws(ConfigurationError) -> AuditLevelPolicy {
        var rules: [AuditRule] = []
        for item in try map["rules"]?.list() ?? [] { rules.append(try rule(item)) }
        return AuditLevelPolicy(
            rules: rules,
            defaultLevel: try map["default_level"].map { node throws(ConfigurationError) in try level(node) } ?? .metadata,
            omitStages: try map["omit_stages"].map { node throws(ConfigurationError) in try stages(node) } ?? [])
    }

    func rule(_ node: YAMLNode) throws(ConfigurationError) -> AuditRule {
        let map = try node.mapping(allowedKeys: [
            "level", "users", "groups", "clusters", "verbs", "resources", "namespaces", "non_resource_urls", "omit_stages",
        ])
        var resources: [AuditGroupResources] = []
        for item in try map["resources"]?.list() ?? [] {
            let entry = try item.mapping(allowedKeys: ["group", "resources", "resource_names"])
            resources.append(AuditGroupResources(
                group: try entry["group"]?.string() ?? "",
                resources: try entry["resources"]?.stringList() ?? [],
                resourceNames: try entry["resource_names"]?.stringList() ?? []))
        }
        var namespaces: [String] = []
        for item in try map["namespaces"]?.list() ?? [] { namespaces.append(try item.string()) }
        return AuditRule(
            level: try level(map.required("level")),
            users: try map["users"]?.stringList() ?? [], groups: try map["groups"]?.stringList() ?? [],
            clusters: try map["clusters"].map { node throws(ConfigurationError) in try policy.clusterList(node) } ?? [],
            verbs: try map["verbs"].map { node throws(ConfigurationError) in try policy.verbList(node) } ?? [],
            resources: resources, namespaces: namespaces,
            nonResourceURLs: try map["non_resource_urls"]?.stringList() ?? [],
            omitStages: try map["omit_stages"].map { node throws(ConfigurationError) in try stages(node) } ?? [])
    }

    /// Cluster names and verbs are checked as in the authorization policy: a typo is an error.
    var policy: PolicyParser { PolicyParser(file: file, clusterNames: clusterNames) }

    func level(_ node: YAMLNode) throws(ConfigurationError) -> AuditLevel {
        let text = try node.string()
        guard let level = AuditLevel(rawValue: text) else {
            throw node.error("\"\(text)\" is not an audit level (None, Metadata, Request, RequestResponse)")
        }
        return level
    }

    func stages(_ node: YAMLNode) throws(ConfigurationError) -> [AuditStage] {
        var result: [AuditStage] = []
        for item in try node.list() {
            let text = try item.string()
            guard let stage = AuditStage(rawValue: text) else {
                throw item.error("\"\(text)\" is not an audit stage (\(AuditStage.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            result.append(stage)
        }
        return result
    }
}
