/// How much of a request the audit trail keeps, as in the Kubernetes audit policy.
public enum AuditLevel: String, Sendable, Equatable, CaseIterable, Comparable {
    /// Not recorded.
    case none = "None"
    /// Who, what, when, outcome; no bodies.
    case metadata = "Metadata"
    /// Metadata and the request body.
    case request = "Request"
    /// Metadata, request and response bodies.
    case requestResponse = "RequestResponse"

    public static func < (lhs: AuditLevel, rhs: AuditLevel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A point in a request's life at which an event may be written.
public enum AuditStage: String, Sendable, Equatable, Hashable, CaseIterable {
    case requestReceived = "RequestReceived"
    case responseStarted = "ResponseStarted"
    case responseComplete = "ResponseComplete"
    case panic = "Panic"
}

/// Resources of one API group an audit rule applies to (`group: ""` is core; `*` any group).
public struct AuditGroupResources: Sendable, Equatable {
    public var group: String
    /// Empty: every resource of the group. `pods/log`, `pods/*` (pods and all subresources), `*/status`.
    public var resources: [String]
    /// Empty: any name.
    public var resourceNames: [String]

    public init(group: String = "", resources: [String] = [], resourceNames: [String] = []) {
        self.group = group
        self.resources = resources
        self.resourceNames = resourceNames
    }
}

/// One audit rule; every non-empty field must match (empty fields match everything).
///
/// As in Kubernetes: `resources` and `namespaces` only match resource requests,
/// `nonResourceURLs` only non-resource requests. `clusters` is our addition.
public struct AuditRule: Sendable, Equatable {
    public var level: AuditLevel
    public var users: [String]
    public var groups: [String]
    public var clusters: [String]
    public var verbs: [String]
    public var resources: [AuditGroupResources]
    /// `""` matches cluster-scoped requests.
    public var namespaces: [String]
    public var nonResourceURLs: [String]
    public var omitStages: [AuditStage]

    public init(
        level: AuditLevel, users: [String] = [], groups: [String] = [], clusters: [String] = [], verbs: [String] = [],
        resources: [AuditGroupResources] = [], namespaces: [String] = [], nonResourceURLs: [String] = [],
        omitStages: [AuditStage] = []
    ) {
        self.level = level
        self.users = users
        self.groups = groups
        self.clusters = clusters
        self.verbs = verbs
        self.resources = resources
        self.namespaces = namespaces
        self.nonResourceURLs = nonResourceURLs
        self.omitStages = omitStages
    }
}

/// The level chosen for a request, and by which rule.
public struct AuditLevelDecision: Sendable, Equatable {
    public var level: AuditLevel
    /// Stages for which no event is written (the policy's own plus the rule's).
    public var omitStages: Set<AuditStage>
    /// Index of the deciding rule; nil when the default level applied.
    public var ruleIndex: Int?
}

/// Ordered audit rules; the first rule that matches decides; otherwise `defaultLevel` (Metadata).
///
/// Pure. Redaction (Secret data, last-applied-configuration) is the recorder's job at every level.
public struct AuditLevelPolicy: Sendable, Equatable {
    public var rules: [AuditRule]
    public var defaultLevel: AuditLevel
    /// Omitted for every request, in addition to each rule's `omitStages`.
    public var omitStages: [AuditStage]

    public init(rules: [AuditRule] = [], defaultLevel: AuditLevel = .metadata, omitStages: [AuditStage] = []) {
        self.rules = rules
        self.defaultLevel = defaultLevel
        self.omitStages = omitStages
    }

    public func level(for request: RequestAttributes, identity: Identity, cluster: String) -> AuditLevelDecision {
        for (index, rule) in rules.enumerated() where Self.matches(rule, request: request, identity: identity, cluster: cluster) {
            return AuditLevelDecision(level: rule.level, omitStages: Set(omitStages + rule.omitStages), ruleIndex: index)
        }
        return AuditLevelDecision(level: defaultLevel, omitStages: Set(omitStages), ruleIndex: nil)
    }

    static func matches(_ rule: AuditRule, request: RequestAttributes, identity: Identity, cluster: String) -> Bool {
        if !rule.users.isEmpty || !rule.groups.isEmpty {
            guard RuleMatching.subjects(users: rule.users, groups: rule.groups, match: identity) else { return false }
        }
        if !rule.clusters.isEmpty && !RuleMatching.contains(rule.clusters, cluster) { return false }
        if !rule.verbs.isEmpty && !RuleMatching.contains(rule.verbs, request.verb) { return false }
        if rule.nonResourceURLs.isEmpty && rule.resources.isEmpty && rule.namespaces.isEmpty { return true }
        if request.isResourceRequest {
            if !rule.nonResourceURLs.isEmpty { return false }
            if !rule.namespaces.isEmpty && !rule.namespaces.contains(where: { $0 == "*" || $0 == request.namespace }) { return false }
            if !rule.resources.isEmpty && !rule.resources.contains(where: { matches($0, request) }) { return false }
            return true
        }
        if !rule.resources.isEmpty || !rule.namespaces.isEmpty { return false }
        return RuleMatching.nonResourceURL(rule.nonResourceURLs, path: request.path)
    }

    /// Kubernetes audit semantics: `pods/*` matches pods and its subresources; `*/log` any `log` subresource.
    static func matches(_ entry: AuditGroupResources, _ request: RequestAttributes) -> Bool {
        guard entry.group == "*" || entry.group == request.apiGroup else { return false }
        if entry.resources.isEmpty { return true }
        if !entry.resourceNames.isEmpty && !entry.resourceNames.contains(request.name) { return false }
        let combined = request.combinedResource
        return entry.resources.contains { pattern in
            if pattern == "*" || pattern == combined { return true }
            if !request.subresource.isEmpty && pattern == "*/\(request.subresource)" { return true }
            return pattern.hasSuffix("/*") && request.resource == String(pattern.dropLast(2))
        }
    }
}
