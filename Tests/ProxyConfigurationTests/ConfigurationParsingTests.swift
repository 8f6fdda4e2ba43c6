import Foundation
import Testing

@testable import ProxyConfiguration

/// The smallest valid configuration; tests add or change one thing at a time.
let minimalYAML = """
    tls:
      cert_file: proxy.crt
      key_file: /etc/kt/proxy.key
      client_ca_files: [ca.crt]
    clusters:
      - name: dev
        server: https://dev.example.com:6443
        token_file: dev.token
    policy: {}
    audit:
      database_url: postgres://kt@localhost/kt
      spool_dir: spool
    """

func parse(_ yaml: String) throws(ConfigurationError) -> ProxyConfiguration {
    try ProxyConfiguration(yaml: yaml, source: "proxy.yaml", baseDirectory: "/etc/kt")
}

/// The message a configuration is refused with, or "accepted".
func refusal(_ yaml: String) -> String {
    do {
        _ = try parse(yaml)
        return "accepted"
    } catch {
        return error.description
    }
}

@Suite struct ConfigurationParsingTests {
    @Test func minimalConfigurationGetsTheDefaults() throws {
        let config = try parse(minimalYAML)
        #expect(config.listen == ListenAddress(host: "127.0.0.1", port: 8443))
        #expect(config.adminListen == ListenAddress(host: "127.0.0.1", port: 9443))
        #expect(config.audit.durability == .batched)
        #expect(config.audit.onAuditFailure == .deny)
        #expect(config.audit.onRecordingFailure == .close)
        #expect(config.audit.recordStdin)
        #expect(config.upstreamPool == UpstreamPoolSettings(maxIdleConnections: 100, maxIdleConnectionsPerHost: 10, idleTimeout: .seconds(90)))
        #expect(config.oidc == nil)
        #expect(config.policy == PolicyConfiguration(roles: [], deny: [], discovery: true))
        #expect(config.audit.levels == AuditLevelPolicy(rules: [], defaultLevel: .metadata, omitStages: []))
    }

    @Test func pathsKeepTheGivenTextAndResolveAgainstTheConfigDirectory() throws {
        let config = try parse(minimalYAML)
        #expect(config.tls.certificateFile == ConfigPath(given: "proxy.crt", resolved: "/etc/kt/proxy.crt"))
        #expect(config.tls.keyFile == ConfigPath(given: "/etc/kt/proxy.key", resolved: "/etc/kt/proxy.key"))
        #expect(config.clusters[0].credentials == .tokenFile(ConfigPath(given: "dev.token", resolved: "/etc/kt/dev.token")))
        #expect(config.audit.spoolDirectory.resolved == "/etc/kt/spool")
        let fromSource = try ProxyConfiguration(yaml: minimalYAML, source: "/srv/conf/proxy.yaml")
        #expect(fromSource.tls.certificateFile.resolved == "/srv/conf/proxy.crt")
    }

    @Test func everyKeyIsParsed() throws {
        let yaml = """
            listen: "[::1]:7443"
            admin_listen: 0.0.0.0:7444
            tls:
              cert_file: a.crt
              key_file: a.key
            oidc:
              issuer: https://id.example.com
              audience: kt
              jwks_file: jwks.json
              username_claim: email
              groups_claim: roles
              username_prefix: "oidc:"
              groups_prefix: "g:"
              allowed_algorithms: [ES256, EdDSA]
            clusters:
              - name: prod-1
                server: https://10.0.0.1:6443/prefix
                ca_file: ca.pem
                client_cert_file: c.crt
                client_key_file: c.key
                tls_server_name: kubernetes
              - name: b
                server: https://b.example.com
                token_env: B_TOKEN
            policy:
              discovery: false
              roles:
                - name: r
                  users: [alice]
                  groups: [dev]
                  clusters: [prod-1]
                  namespaces: [ns1]
                  cluster_scope: true
                  verbs: [get]
                  api_groups: ["", apps]
                  resources: [pods, pods/*]
                  resource_names: [web]
                  non_resource_urls: [/healthz, /logs/*]
                  impersonate: {users: [bob], groups: [ops]}
                - name: s
                  users: ["*"]
                  clusters: ["*"]
                  impersonate: true
              deny:
                - name: d
                  users: [mallory]
                  groups: [interns]
                  clusters: [b]
                  namespaces: [kube-system]
                  verbs: [delete]
                  api_groups: [""]
                  resources: [secrets]
                  resource_names: [x]
                  non_resource_urls: [/metrics]
            audit:
              database_url_env: DB_URL
              spool_dir: /var/spool/kt
              durability: strict
              on_audit_failure: allow
              on_recording_failure: continue
              default_level: None
              omit_stages: [RequestReceived]
              rules:
                - level: RequestResponse
                  users: [alice]
                  groups: [dev]
                  clusters: [b]
                  verbs: [create]
                  resources:
                    - group: apps
                      resources: [deployments/scale]
                      resource_names: [web]
                  namespaces: ["", team]
                  non_resource_urls: [/x]
                  omit_stages: [Panic, ResponseStarted]
            upstream_pool:
              max_idle_conns: 50
              max_idle_conns_per_host: 5
              idle_timeout: 1h30m
            """
        let c = try parse(yaml)
        #expect(c.listen == ListenAddress(host: "::1", port: 7443))
        #expect(c.adminListen == ListenAddress(host: "0.0.0.0", port: 7444))
        #expect(c.tls.clientCAFiles.isEmpty)
        let oidc = try #require(c.oidc)
        #expect(oidc.issuer == "https://id.example.com")
        #expect(oidc.audience == "kt")
        #expect(oidc.jwks == .file(ConfigPath(given: "jwks.json", resolved: "/etc/kt/jwks.json")))
        #expect(oidc.usernameClaim == "email" && oidc.groupsClaim == "roles")
        #expect(oidc.usernamePrefix == "oidc:" && oidc.groupsPrefix == "g:")
        #expect(oidc.allowedAlgorithms == ["ES256", "EdDSA"])
        #expect(c.clusters[0].name == "prod-1")
        #expect(c.clusters[0].server == "https://10.0.0.1:6443/prefix")
        #expect(c.clusters[0].caFile?.resolved == "/etc/kt/ca.pem")
        #expect(c.clusters[0].credentials == .clientCertificate(certificate: ConfigPath(given: "c.crt", resolved: "/etc/kt/c.crt"), key: ConfigPath(given: "c.key", resolved: "/etc/kt/c.key")))
        #expect(c.clusters[0].tlsServerName == "kubernetes")
        #expect(c.clusters[1].credentials == .tokenEnvironment("B_TOKEN"))
        #expect(c.clusters[1].caFile == nil)
        #expect(c.cluster(named: "b")?.server == "https://b.example.com")
        #expect(c.policy.discovery == false)
        #expect(c.policy.roles[0] == Role(
            name: "r", users: ["alice"], groups: ["dev"], clusters: ["prod-1"], namespaces: ["ns1"], clusterScope: true,
            verbs: ["get"], apiGroups: ["", "apps"], resources: ["pods", "pods/*"], resourceNames: ["web"],
            nonResourceURLs: ["/healthz", "/logs/*"], impersonate: .only(users: ["bob"], groups: ["ops"])))
        #expect(c.policy.roles[1].impersonate == .any)
        #expect(c.policy.roles[1].apiGroups == ["*"])
        #expect(c.policy.roles[1].namespaces == nil)
        #expect(c.policy.deny[0] == DenyRule(
            name: "d", users: ["mallory"], groups: ["interns"], clusters: ["b"], namespaces: ["kube-system"], verbs: ["delete"],
            apiGroups: [""], resources: ["secrets"], resourceNames: ["x"], nonResourceURLs: ["/metrics"]))
        #expect(c.audit.database == .environment("DB_URL"))
        #expect(c.audit.database.resolve(environment: ["DB_URL": "postgres://x/y"]) == "postgres://x/y")
        #expect(c.audit.database.resolve(environment: [:]) == nil)
        #expect(c.audit.spoolDirectory == ConfigPath(given: "/var/spool/kt", resolved: "/var/spool/kt"))
        #expect(c.audit.durability == .strict)
        #expect(c.audit.onAuditFailure == .allow)
        #expect(c.audit.onRecordingFailure == .continue)
        #expect(c.audit.levels.defaultLevel == AuditLevel.none)
        #expect(c.audit.levels.omitStages == [.requestReceived])
        #expect(c.audit.levels.rules == [AuditRule(
            level: .requestResponse, users: ["alice"], groups: ["dev"], clusters: ["b"], verbs: ["create"],
            resources: [AuditGroupResources(group: "apps", resources: ["deployments/scale"], resourceNames: ["web"])],
            namespaces: ["", "team"], nonResourceURLs: ["/x"], omitStages: [.panic, .responseStarted])])
        #expect(c.upstreamPool == UpstreamPoolSettings(maxIdleConnections: 50, maxIdleConnectionsPerHost: 5, idleTimeout: .seconds(5400)))
    }

    @Test func theShippedExampleLoads() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/kubetrail-proxy.yaml").path
        let config = try ProxyConfiguration.load(path: example)
        #expect(config.clusters.map(\.name) == ["prod-eu", "staging"])
        #expect(config.policy.roles.map(\.name) == ["sre-admin", "dev-staging", "prod-read"])
        #expect(config.policy.deny.count == 2)
        #expect(config.audit.levels.rules.count == 6)
        // The example keeps audit before access: no request is forwarded before its RequestReceived.
        #expect(!config.audit.levels.omitStages.contains(.requestReceived))
        #expect(config.audit.levels.rules.allSatisfy { !$0.omitStages.contains(.requestReceived) })
        #expect(config.oidc?.jwksRefreshInterval == .seconds(30))
        #expect(config.audit.durability == .strict)
        #expect(config.tls.certificateFile.resolved.hasSuffix("/examples/tls/proxy.crt"))
        // The example's policy behaves as its comments say.
        let engine = PolicyEngine(policy: config.policy)
        let dev = Identity(user: "dana", groups: ["dev", "system:authenticated"])
        #expect(engine.decide(identity: dev, cluster: "prod-eu", request: .resource("get", "secrets", namespace: "web")).rule == "deny[0] no-prod-secrets")
        #expect(engine.decide(identity: dev, cluster: "prod-eu", request: .resource("list", "pods", namespace: "web")).rule == "roles[2] prod-read")
        #expect(engine.decide(identity: dev, cluster: "staging", request: .resource("create", "pods", subresource: "exec", namespace: "team-a")).rule == "roles[1] dev-staging")
        #expect(engine.decide(identity: dev, cluster: "staging", request: .resource("get", "pods", namespace: "team-c")).rule == "default-deny")
    }

    @Test func durations() {
        #expect(ConfigDuration.parse("30s") == .seconds(30))
        #expect(ConfigDuration.parse("5m") == .seconds(300))
        #expect(ConfigDuration.parse("8h") == .seconds(28800))
        #expect(ConfigDuration.parse("1h30m") == .seconds(5400))
        #expect(ConfigDuration.parse("250ms") == .milliseconds(250))
        for bad in ["", "5", "-5m", "1.5h", "5 m", "5d", "m", "s5", "9999999999s", "30S"] {
            #expect(ConfigDuration.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func loadNamesAMissingFile() {
        #expect(throws: ConfigurationError(file: "/nonexistent/proxy.yaml", keyPath: "", problem: "cannot read the file: No such file or directory")) {
            try ProxyConfiguration.load(path: "/nonexistent/proxy.yaml")
        }
    }
}
