import Testing

@testable import ProxyConfiguration

let alice = Identity(user: "alice", groups: ["dev", "system:authenticated"])
let bob = Identity(user: "bob", groups: ["ops", "system:authenticated"])
let eve = Identity(user: "eve", groups: ["system:authenticated"])

let testPolicy = PolicyConfiguration(
    roles: [
        Role(name: "dev-read", groups: ["dev"], clusters: ["staging"], namespaces: ["team-a"], verbs: ["get", "list", "watch"],
             apiGroups: ["", "apps"], resources: ["pods", "pods/log", "deployments", "secrets"]),
        Role(name: "dev-exec", groups: ["dev"], clusters: ["staging"], namespaces: ["team-a"], verbs: ["create"], resources: ["pods/*"]),
        Role(name: "ops-all", groups: ["ops"], clusters: ["*"], clusterScope: true, verbs: ["*"], resources: ["*"],
             nonResourceURLs: ["/healthz", "/logs/*"], impersonate: .only(users: ["alice"], groups: ["dev"])),
        Role(name: "web-only", users: ["alice"], clusters: ["prod"], namespaces: ["*"], verbs: ["get"], resources: ["configmaps"], resourceNames: ["web"]),
        Role(name: "impersonator", users: ["root"], clusters: ["staging"], impersonate: .any),
    ],
    deny: [
        DenyRule(name: "no-secrets", clusters: ["staging"], resources: ["secrets"]),
        DenyRule(name: "no-kube-system-writes", namespaces: ["kube-system"], verbs: ["create", "update", "patch", "delete"]),
        DenyRule(name: "no-admin-impersonation", resources: ["users"], resourceNames: ["admin"]),
    ])

let engine = PolicyEngine(policy: testPolicy)

func rule(_ identity: Identity, _ cluster: String, _ request: RequestAttributes) -> String {
    let decision = engine.decide(identity: identity, cluster: cluster, request: request)
    // The verdict and the rule name must agree: only role and discovery rules allow.
    #expect(decision.allowed == (decision.rule.hasPrefix("roles[") || decision.rule == "discovery"))
    return decision.rule
}

@Suite struct PolicyEngineTests {
    @Test func rolesGrantAndDefaultDenies() {
        #expect(rule(alice, "staging", .resource("get", "pods", namespace: "team-a")) == "roles[0] dev-read")
        #expect(rule(alice, "staging", .resource("list", "deployments", apiGroup: "apps", namespace: "team-a")) == "roles[0] dev-read")
        #expect(rule(alice, "staging", .resource("delete", "pods", namespace: "team-a")) == "default-deny")
        #expect(rule(eve, "staging", .resource("get", "pods", namespace: "team-a")) == "default-deny")
        #expect(rule(alice, "prod", .resource("get", "pods", namespace: "team-a")) == "default-deny")
        #expect(rule(alice, "staging", .resource("list", "deployments", apiGroup: "batch", namespace: "team-a")) == "default-deny")
    }

    @Test func denyBeatsAllow() {
        let decision = engine.decide(identity: alice, cluster: "staging", request: .resource("get", "secrets", namespace: "team-a"))
        #expect(decision == PolicyDecision(allowed: false, rule: "deny[0] no-secrets",
            reason: #"user "alice" may not get secrets in namespace "team-a" on cluster "staging": denied by deny rule "no-secrets""#))
        #expect(rule(bob, "prod", .resource("delete", "pods", namespace: "kube-system", name: "x")) == "deny[1] no-kube-system-writes")
        #expect(rule(bob, "prod", .resource("get", "pods", namespace: "kube-system")) == "roles[2] ops-all")
        // The deny rule is scoped to staging: on prod ops may read secrets.
        #expect(rule(bob, "prod", .resource("get", "secrets", namespace: "a")) == "roles[2] ops-all")
    }

    @Test func wildcards() {
        #expect(rule(bob, "anything", .resource("deletecollection", "widgets", apiGroup: "example.com", namespace: "x")) == "roles[2] ops-all")
        #expect(rule(bob, "staging", .resource("create", "pods", subresource: "exec", namespace: "x")) == "roles[2] ops-all")
        #expect(rule(alice, "prod", .resource("get", "configmaps", namespace: "any", name: "web")) == "roles[3] web-only")
        #expect(rule(alice, "prod", .resource("get", "configmaps", namespace: "any", name: "other")) == "default-deny")
        #expect(rule(alice, "prod", .resource("get", "configmaps", namespace: "any")) == "default-deny")
    }

    @Test func namespaceAndClusterScoping() {
        #expect(rule(alice, "staging", .resource("get", "pods", namespace: "team-b")) == "default-deny")
        // All-namespace list and cluster-scoped resources need cluster_scope.
        #expect(rule(alice, "staging", .resource("list", "pods")) == "default-deny")
        #expect(rule(alice, "prod", .resource("get", "configmaps", name: "web")) == "default-deny")
        #expect(rule(bob, "staging", .resource("list", "pods")) == "roles[2] ops-all")
        #expect(rule(bob, "staging", .resource("get", "nodes", name: "n1")) == "roles[2] ops-all")
        let nsOnly = PolicyEngine(policy: PolicyConfiguration(roles: [
            Role(name: "cluster-only", users: ["u"], clusters: ["c"], namespaces: [], clusterScope: true, verbs: ["get"], resources: ["*"]),
        ]))
        let u = Identity(user: "u", groups: [])
        #expect(nsOnly.decide(identity: u, cluster: "c", request: .resource("get", "nodes", name: "n")).allowed)
        #expect(!nsOnly.decide(identity: u, cluster: "c", request: .resource("get", "pods", namespace: "a", name: "n")).allowed)
    }

    @Test func subresources() {
        #expect(rule(alice, "staging", .resource("get", "pods", subresource: "log", namespace: "team-a")) == "roles[0] dev-read")
        // "pods" does not grant "pods/exec"; "pods/*" does, but not pods itself.
        #expect(rule(alice, "staging", .resource("create", "pods", subresource: "exec", namespace: "team-a")) == "roles[1] dev-exec")
        #expect(rule(alice, "staging", .resource("create", "pods", namespace: "team-a")) == "default-deny")
        #expect(rule(alice, "staging", .resource("get", "deployments", subresource: "scale", apiGroup: "apps", namespace: "team-a")) == "default-deny")
        // A deny on a bare resource covers its subresources.
        #expect(rule(bob, "staging", .resource("get", "secrets", subresource: "anything", namespace: "a")) == "deny[0] no-secrets")
        #expect(RuleMatching.resource(["*/scale"], resource: "deployments", subresource: "scale"))
        #expect(!RuleMatching.resource(["*/scale"], resource: "deployments", subresource: ""))
    }

    @Test func nonResourceURLs() {
        #expect(rule(bob, "staging", .nonResource("get", path: "/healthz")) == "roles[2] ops-all")
        #expect(rule(bob, "staging", .nonResource("get", path: "/logs/kubelet.log")) == "roles[2] ops-all")
        #expect(rule(alice, "staging", .nonResource("get", path: "/healthz")) == "default-deny")
        // Discovery: any user bound on the cluster, get only, only discovery shapes.
        for path in ["/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", "/version", "/openapi/v2", "/openapi/v3/apis/apps/v1", "/api/"] {
            #expect(rule(alice, "staging", .nonResource("get", path: path)) == "discovery", "\(path)")
        }
        #expect(rule(alice, "staging", .nonResource("post", path: "/api")) == "default-deny")
        #expect(rule(alice, "staging", .nonResource("get", path: "/api/v1/namespaces")) == "default-deny")
        #expect(rule(alice, "staging", .nonResource("get", path: "/apis/apps/v1/deployments")) == "default-deny")
        #expect(rule(alice, "prod", .nonResource("get", path: "/version")) == "discovery")
        #expect(rule(eve, "staging", .nonResource("get", path: "/version")) == "default-deny")
        #expect(rule(alice, "other", .nonResource("get", path: "/version")) == "default-deny")
        var closed = testPolicy
        closed.discovery = false
        #expect(PolicyEngine(policy: closed).decide(identity: alice, cluster: "staging", request: .nonResource("get", path: "/api")).rule == "default-deny")
    }

    @Test func impersonation() {
        let ok = engine.mayImpersonate(identity: bob, cluster: "staging", user: "alice", groups: ["dev"])
        #expect(ok == PolicyDecision(allowed: true, rule: "roles[2] ops-all", reason: #"user "bob" may impersonate user "alice", group "dev" on cluster "staging": granted by role "ops-all""#))
        #expect(engine.mayImpersonate(identity: bob, cluster: "staging", user: "carol", groups: []).rule == "default-deny")
        #expect(engine.mayImpersonate(identity: bob, cluster: "staging", user: "alice", groups: ["dev", "system:masters"]).rule == "default-deny")
        #expect(engine.mayImpersonate(identity: bob, cluster: "staging", user: nil, groups: ["dev"]).rule == "roles[2] ops-all")
        #expect(engine.mayImpersonate(identity: alice, cluster: "staging", user: "bob", groups: []).rule == "default-deny")
        let root = Identity(user: "root", groups: [])
        #expect(engine.mayImpersonate(identity: root, cluster: "staging", user: "anyone", groups: ["system:masters"]).rule == "roles[4] impersonator")
        #expect(engine.mayImpersonate(identity: root, cluster: "prod", user: "anyone", groups: []).rule == "default-deny")
        #expect(engine.mayImpersonate(identity: root, cluster: "staging", user: "admin", groups: []).rule == "deny[2] no-admin-impersonation")
        #expect(engine.mayImpersonate(identity: root, cluster: "staging", user: "ADMIN", groups: []).rule == "deny[2] no-admin-impersonation")
        #expect(engine.mayImpersonate(identity: root, cluster: "staging", user: "", groups: []).rule == "invalid-request")
        #expect(engine.mayImpersonate(identity: root, cluster: "staging", user: nil, groups: []).rule == "invalid-request")
    }

    @Test func caseTricks() {
        // Roles match exactly: "Pods" is not "pods" (the API server would not serve it either).
        #expect(rule(alice, "staging", .resource("get", "Pods", namespace: "team-a")) == "default-deny")
        #expect(rule(alice, "staging", .resource("GET", "pods", namespace: "team-a")) == "default-deny")
        #expect(rule(Identity(user: "Alice", groups: ["Dev"]), "staging", .resource("get", "pods", namespace: "team-a")) == "default-deny")
        #expect(rule(alice, "Staging", .resource("get", "pods", namespace: "team-a")) == "default-deny")
        #expect(rule(alice, "staging", .resource("get", "pods", namespace: "Team-A")) == "default-deny")
        // Deny rules match case-insensitively, so a role with "*" cannot be used to slip past them.
        #expect(rule(bob, "staging", .resource("get", "Secrets", namespace: "a")) == "deny[0] no-secrets")
        #expect(rule(bob, "STAGING", .resource("get", "SECRETS", namespace: "a")) == "deny[0] no-secrets")
        #expect(rule(bob, "prod", .resource("DELETE", "pods", namespace: "Kube-System")) == "deny[1] no-kube-system-writes")
    }

    @Test func emptyAndHostileAttributes() {
        #expect(rule(Identity(user: "", groups: ["ops"]), "staging", .resource("get", "pods", namespace: "a")) == "invalid-request")
        #expect(rule(bob, "", .resource("get", "pods", namespace: "a")) == "invalid-request")
        #expect(rule(bob, "staging", .resource("", "pods", namespace: "a")) == "invalid-request")
        #expect(rule(bob, "staging", .resource("get", "", namespace: "a")) == "invalid-request")
        for bad in ["..", ".", "a/b", "a%2Fb", "x\0y"] {
            #expect(rule(bob, "staging", .resource("get", "pods", namespace: bad)) == "invalid-request", "\(bad)")
            #expect(rule(bob, "staging", .resource("get", "pods", namespace: "a", name: bad)) == "invalid-request", "\(bad)")
        }
        for bad in ["", "healthz", "/logs/../api/v1/secrets", "/logs//x", "/logs/%2e%2e/x", "/logs/./x", "/logs/x?y"] {
            #expect(rule(bob, "staging", .nonResource("get", path: bad)) == "invalid-request", "\(bad)")
        }
        // "*" in a request is a literal value, never a wildcard.
        #expect(rule(alice, "staging", .resource("get", "pods", namespace: "*")) == "default-deny")
        #expect(rule(alice, "prod", .resource("get", "configmaps", namespace: "x", name: "*")) == "default-deny")
        #expect(rule(alice, "*", .resource("get", "pods", namespace: "team-a")) == "default-deny")
        #expect(rule(Identity(user: "*", groups: []), "staging", .resource("get", "pods", namespace: "team-a")) == "default-deny")
        #expect(rule(alice, "staging", .resource("*", "pods", namespace: "team-a")) == "default-deny")
    }

    @Test func denyRuleWithoutKindCoversBothKinds() {
        let policy = PolicyEngine(policy: PolicyConfiguration(
            roles: [Role(name: "all", users: ["m"], clusters: ["*"], clusterScope: true, verbs: ["*"], resources: ["*"], nonResourceURLs: ["*"])],
            deny: [DenyRule(name: "ban", users: ["m"]), DenyRule(name: "metrics", nonResourceURLs: ["/metrics"])]))
        let m = Identity(user: "m", groups: [])
        #expect(policy.decide(identity: m, cluster: "c", request: .resource("get", "pods")).rule == "deny[0] ban")
        #expect(policy.decide(identity: m, cluster: "c", request: .nonResource("get", path: "/healthz")).rule == "deny[0] ban")
        let n = Identity(user: "n", groups: [])
        let open = PolicyEngine(policy: PolicyConfiguration(
            roles: [Role(name: "all", users: ["n"], clusters: ["*"], clusterScope: true, verbs: ["*"], resources: ["*"], nonResourceURLs: ["*"])],
            deny: [DenyRule(name: "metrics", nonResourceURLs: ["/metrics"])]))
        #expect(open.decide(identity: n, cluster: "c", request: .nonResource("get", path: "/metrics")).rule == "deny[0] metrics")
        #expect(open.decide(identity: n, cluster: "c", request: .resource("get", "pods")).rule == "roles[0] all")
    }
}
