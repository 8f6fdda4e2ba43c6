/// The authorization policy: roles grant, deny rules take away, anything else is denied.
public struct PolicyConfiguration: Sendable, Equatable {
    public var roles: [Role]
    public var deny: [DenyRule]
    /// Allow `get` on discovery paths (`/api`, `/api/<v>`, `/apis`, `/apis/<g>[/<v>]`,
    /// `/version`, `/openapi/…`) to anyone bound by at least one role on the cluster. Default true.
    public var discovery: Bool

    public init(roles: [Role] = [], deny: [DenyRule] = [], discovery: Bool = true) {
        self.roles = roles
        self.deny = deny
        self.discovery = discovery
    }
}

/// Which identities a role permits to be impersonated with `kubectl --as` / `--as-group`.
public enum ImpersonationGrant: Sendable, Equatable {
    case none
    /// Any user and any group.
    case any
    /// Only these users and groups (`*` in a list means any).
    case only(users: [String], groups: [String])
}

/// A grant: these users/groups may use these verbs on these resources in these clusters and namespaces.
///
/// Scoping rules:
/// - `namespaces == nil` (key absent) means every namespace; `[]` means none; `*` means any.
/// - Requests without a namespace — cluster-scoped resources (`nodes`, `namespaces` list) and
///   all-namespace lists (`kubectl get pods -A`) — need `clusterScope == true`, like a
///   Kubernetes ClusterRoleBinding versus a RoleBinding.
/// - `resources`: `pods` does not include `pods/exec`; `pods/*` is every subresource of pods;
///   `*/scale` is the scale subresource of anything; `*` is everything.
/// - `apiGroups` defaults to `*`; `""` is the core group.
/// - `nonResourceURLs` are exact paths or prefixes ending in `*` and ignore namespaces.
/// - Matching is exact and case-sensitive (the API server is case-sensitive too).
public struct Role: Sendable, Equatable {
    public var name: String
    public var users: [String]
    public var groups: [String]
    public var clusters: [String]
    public var namespaces: [String]?
    public var clusterScope: Bool
    public var verbs: [String]
    public var apiGroups: [String]
    public var resources: [String]
    public var resourceNames: [String]?
    public var nonResourceURLs: [String]
    public var impersonate: ImpersonationGrant

    public init(
        name: String, users: [String] = [], groups: [String] = [], clusters: [String],
        namespaces: [String]? = nil, clusterScope: Bool = false, verbs: [String] = [], apiGroups: [String] = ["*"],
        resources: [String] = [], resourceNames: [String]? = nil, nonResourceURLs: [String] = [],
        impersonate: ImpersonationGrant = .none
    ) {
        self.name = name
        self.users = users
        self.groups = groups
        self.clusters = clusters
        self.namespaces = namespaces
        self.clusterScope = clusterScope
        self.verbs = verbs
        self.apiGroups = apiGroups
        self.resources = resources
        self.resourceNames = resourceNames
        self.nonResourceURLs = nonResourceURLs
        self.impersonate = impersonate
    }
}

/// A prohibition that beats every role.
///
/// Deny rules match *broadly* on purpose (a deny that misses is a hole, one that over-matches is
/// only inconvenient):
/// - an absent field matches everything (no `users`/`groups`: everyone; no `clusters`: all clusters);
/// - names, verbs, groups and resources compare case-insensitively;
/// - `secrets` also covers every subresource of secrets (write `pods/exec` to deny only exec);
/// - a rule with neither `resources`/`api_groups` nor `non_resource_urls` covers both kinds of request;
/// - `namespaces` given: matches only requests in those namespaces.
public struct DenyRule: Sendable, Equatable {
    public var name: String
    public var users: [String]?
    public var groups: [String]?
    public var clusters: [String]?
    public var namespaces: [String]?
    public var verbs: [String]?
    public var apiGroups: [String]?
    public var resources: [String]?
    public var resourceNames: [String]?
    public var nonResourceURLs: [String]?

    public init(
        name: String, users: [String]? = nil, groups: [String]? = nil, clusters: [String]? = nil,
        namespaces: [String]? = nil, verbs: [String]? = nil, apiGroups: [String]? = nil,
        resources: [String]? = nil, resourceNames: [String]? = nil, nonResourceURLs: [String]? = nil
    ) {
        self.name = name
        self.users = users
        self.groups = groups
        self.clusters = clusters
        self.namespaces = namespaces
        self.verbs = verbs
        self.apiGroups = apiGroups
        self.resources = resources
        self.resourceNames = resourceNames
        self.nonResourceURLs = nonResourceURLs
    }
}
