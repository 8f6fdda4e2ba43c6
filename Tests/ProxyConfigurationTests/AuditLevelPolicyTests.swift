import Testing

@testable import ProxyConfiguration

@Suite struct AuditLevelPolicyTests {
    let policy = AuditLevelPolicy(
        rules: [
            AuditRule(level: .none, nonResourceURLs: ["/healthz*", "/version"]),
            AuditRule(level: .metadata, resources: [AuditGroupResources(group: "", resources: ["secrets"])]),
            AuditRule(level: .requestResponse, verbs: ["create"], resources: [AuditGroupResources(group: "", resources: ["pods/exec"])], omitStages: [.responseStarted]),
            AuditRule(level: .none, users: ["system:kube-proxy"], verbs: ["watch"]),
            AuditRule(level: .request, clusters: ["prod"], namespaces: ["kube-system"]),
            AuditRule(level: .requestResponse, groups: ["auditors-watch"]),
            AuditRule(level: .request, resources: [AuditGroupResources(group: "apps", resources: ["deployments/*"])]),
            AuditRule(level: .requestResponse, resources: [AuditGroupResources(group: "", resources: ["configmaps"], resourceNames: ["web"])]),
            AuditRule(level: .request, resources: [AuditGroupResources(group: "*", resources: ["*/status"])]),
        ],
        defaultLevel: .metadata, omitStages: [.requestReceived])

    func decide(_ request: RequestAttributes, _ identity: Identity = alice, _ cluster: String = "staging") -> AuditLevelDecision {
        policy.level(for: request, identity: identity, cluster: cluster)
    }

    @Test func firstMatchWins() {
        // secrets in kube-system on prod: rule 1 (Metadata) comes before rule 4 (Request).
        #expect(decide(.resource("get", "secrets", namespace: "kube-system"), alice, "prod") == AuditLevelDecision(level: .metadata, omitStages: [.requestReceived], ruleIndex: 1))
        #expect(decide(.resource("get", "pods", namespace: "kube-system"), alice, "prod").ruleIndex == 4)
        #expect(decide(.resource("get", "pods", namespace: "kube-system"), alice, "staging").ruleIndex == nil)
        #expect(decide(.resource("create", "pods", subresource: "exec", namespace: "a")) == AuditLevelDecision(level: .requestResponse, omitStages: [.requestReceived, .responseStarted], ruleIndex: 2))
        #expect(decide(.resource("get", "pods", subresource: "exec", namespace: "a")).level == .metadata)
    }

    @Test func defaultIsMetadata() {
        #expect(decide(.resource("list", "pods", namespace: "a")) == AuditLevelDecision(level: .metadata, omitStages: [.requestReceived], ruleIndex: nil))
        #expect(AuditLevelPolicy().level(for: .resource("get", "pods"), identity: alice, cluster: "c") == AuditLevelDecision(level: .metadata, omitStages: [], ruleIndex: nil))
    }

    @Test func nonResourceAndResourceRulesDoNotCross() {
        #expect(decide(.nonResource("get", path: "/healthz/etcd")).level == AuditLevel.none)
        #expect(decide(.nonResource("get", path: "/version")).level == AuditLevel.none)
        #expect(decide(.nonResource("get", path: "/version/x")).ruleIndex == nil)
        // A rule with resources never matches a non-resource request, even for a matching user.
        #expect(decide(.nonResource("get", path: "/apis")).ruleIndex == nil)
        #expect(decide(.nonResource("watch", path: "/x"), Identity(user: "system:kube-proxy", groups: [])).ruleIndex == 3)
    }

    @Test func usersGroupsGroupsAndSubresources() {
        #expect(decide(.resource("watch", "endpoints", namespace: "a"), Identity(user: "system:kube-proxy", groups: [])).level == AuditLevel.none)
        #expect(decide(.resource("list", "endpoints", namespace: "a"), Identity(user: "system:kube-proxy", groups: [])).ruleIndex == nil)
        #expect(decide(.resource("get", "nodes"), Identity(user: "x", groups: ["auditors-watch"])).ruleIndex == 5)
        // "deployments/*" matches deployments and its subresources, only in group apps.
        #expect(decide(.resource("get", "deployments", apiGroup: "apps", namespace: "a")).ruleIndex == 6)
        #expect(decide(.resource("get", "deployments", subresource: "scale", apiGroup: "apps", namespace: "a")).ruleIndex == 6)
        #expect(decide(.resource("get", "deployments", apiGroup: "extensions", namespace: "a")).ruleIndex == nil)
        #expect(decide(.resource("get", "configmaps", namespace: "a", name: "web")).ruleIndex == 7)
        #expect(decide(.resource("get", "configmaps", namespace: "a", name: "db")).ruleIndex == nil)
        #expect(decide(.resource("update", "pods", subresource: "status", namespace: "a")).ruleIndex == 8)
        #expect(decide(.resource("update", "widgets", subresource: "status", apiGroup: "example.com")).ruleIndex == 8)
    }

    @Test func namespacesEmptyStringIsClusterScope() {
        let p = AuditLevelPolicy(rules: [AuditRule(level: .requestResponse, namespaces: [""])])
        #expect(p.level(for: .resource("get", "nodes"), identity: alice, cluster: "c").level == .requestResponse)
        #expect(p.level(for: .resource("get", "pods", namespace: "a"), identity: alice, cluster: "c").level == .metadata)
        #expect(p.level(for: .nonResource("get", path: "/api"), identity: alice, cluster: "c").level == .metadata)
    }

    @Test func levelsAreOrdered() {
        #expect(AuditLevel.none < .metadata && AuditLevel.metadata < .request && AuditLevel.request < .requestResponse)
    }
}
