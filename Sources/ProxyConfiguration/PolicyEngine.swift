/// The result of an authorization check, naming the rule that decided it.
public struct PolicyDecision: Sendable, Equatable {
    public var allowed: Bool
    /// `roles[2] dev-read`, `deny[0] no-secrets`, `discovery`, `default-deny` or `invalid-request`.
    public var rule: String
    /// A sentence for logs, audit events and the 403 Status message.
    public var reason: String

    public init(allowed: Bool, rule: String, reason: String) {
        self.allowed = allowed
        self.rule = rule
        self.reason = reason
    }
}

/// Decides whether an identity may make a request on a cluster. Pure: no I/O, no state.
///
/// Order: malformed attributes are denied (`invalid-request`); then deny rules, first match
/// wins; then roles, first match wins; then discovery paths; otherwise `default-deny`.
public struct PolicyEngine: Sendable {
    public let policy: PolicyConfiguration

    public init(policy: PolicyConfiguration) {
        self.policy = policy
    }

    public func decide(identity: Identity, cluster: String, request: RequestAttributes) -> PolicyDecision {
        let who = "user \"\(identity.user)\""
        let what = "\(request.summary) on cluster \"\(cluster)\""
        if let problem = Self.malformation(identity: identity, cluster: cluster, request: request) {
            return PolicyDecision(allowed: false, rule: "invalid-request", reason: "\(who) may not \(what): \(problem)")
        }
        for (index, rule) in policy.deny.enumerated() where denyMatches(rule, identity: identity, cluster: cluster, request: request) {
            return PolicyDecision(allowed: false, rule: "deny[\(index)] \(rule.name)", reason: "\(who) may not \(what): denied by deny rule \"\(rule.name)\"")
        }
        for (index, role) in policy.roles.enumerated() where roleMatches(role, identity: identity, cluster: cluster, request: request) {
            return PolicyDecision(allowed: true, rule: "roles[\(index)] \(role.name)", reason: "\(who) may \(what): granted by role \"\(role.name)\"")
        }
        if policy.discovery, !request.isResourceRequest, request.verb == "get" || request.verb == "head",
            RuleMatching.isDiscoveryPath(request.path), boundRole(identity: identity, cluster: cluster) != nil
        {
            return PolicyDecision(allowed: true, rule: "discovery", reason: "\(who) may \(what): discovery is open to users with a role on the cluster")
        }
        return PolicyDecision(allowed: false, rule: "default-deny", reason: "\(who) may not \(what): no role grants it")
    }

    /// Whether the identity may act as `user` (nil: keep its own name) with `groups` (`Impersonate-User` / `-Group`).
    ///
    /// Needs one role on the cluster whose `impersonate` covers the user and every group; deny
    /// rules are checked as Kubernetes does, as verb `impersonate` on resource `users` / `groups`.
    public func mayImpersonate(identity: Identity, cluster: String, user: String?, groups: [String]) -> PolicyDecision {
        let target = ([user.map { "user \"\($0)\"" }] + groups.map { "group \"\($0)\"" }).compactMap { $0 }.joined(separator: ", ")
        let act = "impersonate \(target.isEmpty ? "nobody" : target) on cluster \"\(cluster)\""
        let what = "user \"\(identity.user)\" may \(act)"
        let denied = "user \"\(identity.user)\" may not \(act)"
        if target.isEmpty || user?.isEmpty == true || groups.contains(where: \.isEmpty) {
            return PolicyDecision(allowed: false, rule: "invalid-request", reason: "\(denied): empty impersonation target")
        }
        var checks: [RequestAttributes] = []
        if let user { checks.append(.resource("impersonate", "users", name: user)) }
        checks += groups.map { .resource("impersonate", "groups", name: $0) }
        for check in checks {
            for (index, rule) in policy.deny.enumerated() where denyMatches(rule, identity: identity, cluster: cluster, request: check) {
                return PolicyDecision(allowed: false, rule: "deny[\(index)] \(rule.name)", reason: "\(denied): denied by deny rule \"\(rule.name)\"")
            }
        }
        for (index, role) in policy.roles.enumerated() {
            guard RuleMatching.subjects(users: role.users, groups: role.groups, match: identity),
                RuleMatching.contains(role.clusters, cluster)
            else { continue }
            let covered: Bool
            switch role.impersonate {
            case .none: covered = false
            case .any: covered = true
            case .only(let users, let allowedGroups):
                covered = (user.map { RuleMatching.contains(users, $0) } ?? true)
                    && groups.allSatisfy { RuleMatching.contains(allowedGroups, $0) }
            }
            if covered {
                return PolicyDecision(allowed: true, rule: "roles[\(index)] \(role.name)", reason: "\(what): granted by role \"\(role.name)\"")
            }
        }
        return PolicyDecision(allowed: false, rule: "default-deny", reason: "\(denied): no role allows impersonation")
    }

    /// The first role binding the identity on the cluster, if any.
    func boundRole(identity: Identity, cluster: String) -> Int? {
        policy.roles.firstIndex { RuleMatching.subjects(users: $0.users, groups: $0.groups, match: identity) && RuleMatching.contains($0.clusters, cluster) }
    }

    static func malformation(identity: Identity, cluster: String, request: RequestAttributes) -> String? {
        if identity.user.isEmpty { return "empty user name" }
        if cluster.isEmpty { return "empty cluster name" }
        if request.verb.isEmpty { return "empty verb" }
        if request.isResourceRequest {
            if request.resource.isEmpty { return "empty resource" }
            for (field, value) in [("API group", request.apiGroup), ("resource", request.resource), ("subresource", request.subresource), ("namespace", request.namespace), ("name", request.name)]
            where RuleMatching.isSuspicious(value) {
                return "\(field) \"\(value)\" is not a valid name"
            }
        } else if RuleMatching.isSuspiciousPath(request.path) {
            return "path \"\(request.path)\" is not in canonical form"
        }
        return nil
    }

    func roleMatches(_ role: Role, identity: Identity, cluster: String, request: RequestAttributes) -> Bool {
        guard RuleMatching.subjects(users: role.users, groups: role.groups, match: identity),
            RuleMatching.contains(role.clusters, cluster),
            RuleMatching.contains(role.verbs, request.verb)
        else { return false }
        guard request.isResourceRequest else {
            return RuleMatching.nonResourceURL(role.nonResourceURLs, path: request.path)
        }
        if request.namespace.isEmpty {
            guard role.clusterScope else { return false }
        } else if let namespaces = role.namespaces, !RuleMatching.contains(namespaces, request.namespace) {
            return false
        }
        guard RuleMatching.contains(role.apiGroups, request.apiGroup),
            RuleMatching.resource(role.resources, resource: request.resource, subresource: request.subresource)
        else { return false }
        if let names = role.resourceNames { return RuleMatching.contains(names, request.name) }
        return true
    }

    func denyMatches(_ rule: DenyRule, identity: Identity, cluster: String, request: RequestAttributes) -> Bool {
        if rule.users != nil || rule.groups != nil {
            guard RuleMatching.subjects(users: rule.users ?? [], groups: rule.groups ?? [], match: identity, caseInsensitive: true) else { return false }
        }
        if let clusters = rule.clusters, !RuleMatching.contains(clusters, cluster, caseInsensitive: true) { return false }
        if let verbs = rule.verbs, !RuleMatching.contains(verbs, request.verb, caseInsensitive: true) { return false }
        let resourceKind = rule.resources != nil || rule.apiGroups != nil || rule.resourceNames != nil || rule.namespaces != nil
        guard request.isResourceRequest else {
            if let urls = rule.nonResourceURLs { return RuleMatching.nonResourceURL(urls, path: request.path) }
            return !resourceKind
        }
        if rule.nonResourceURLs != nil && !resourceKind { return false }
        if let namespaces = rule.namespaces, !RuleMatching.contains(namespaces, request.namespace, caseInsensitive: true) { return false }
        if let groups = rule.apiGroups, !RuleMatching.contains(groups, request.apiGroup, caseInsensitive: true) { return false }
        if let resources = rule.resources, !RuleMatching.denyResource(resources, resource: request.resource, subresource: request.subresource) { return false }
        if let names = rule.resourceNames, !RuleMatching.contains(names, request.name, caseInsensitive: true) { return false }
        return true
    }
}
