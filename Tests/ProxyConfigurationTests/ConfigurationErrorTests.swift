import Testing

@testable import ProxyConfiguration

/// `minimalYAML` with one piece of text replaced (the replaced text must exist).
func variant(_ old: String, _ new: String) -> String {
    precondition(minimalYAML.contains(old), "fixture lacks \(old)")
    return minimalYAML.replacingOccurrences(of: old, with: new)
}

/// `minimalYAML` with `clusters:` holding the given list body.
func withClusters(_ body: String) -> String {
    variant("""
          - name: dev
            server: https://dev.example.com:6443
            token_file: dev.token
        """, body)
}

@Suite struct ConfigurationErrorTests {
    @Test func unknownKeysAreNamedWithTheAllowedOnes() {
        #expect(refusal(minimalYAML + "\nlisen: 0.0.0.0:1") == #"proxy.yaml: lisen: unknown key (did you mean "listen"?); allowed keys: admin_listen, audit, clusters, listen, oidc, policy, tls, upstream_pool"#)
        #expect(refusal(variant("token_file: dev.token", "tokn_file: dev.token")) == #"proxy.yaml: clusters[0].tokn_file: unknown key (did you mean "token_file"?); allowed keys: ca_file, client_cert_file, client_key_file, name, server, tls_server_name, token_env, token_file"#)
        #expect(refusal(minimalYAML + "\nzzzzzzzz: 1") == "proxy.yaml: zzzzzzzz: unknown key; allowed keys: admin_listen, audit, clusters, listen, oidc, policy, tls, upstream_pool")
        #expect(refusal(variant("policy: {}", "policy: {rolez: []}")) == #"proxy.yaml: policy.rolez: unknown key (did you mean "roles"?); allowed keys: deny, discovery, roles"#)
    }

    @Test func wrongTypesSayWhatWasExpected() {
        #expect(refusal(variant("policy: {}", "policy: []")) == "proxy.yaml: policy: expected a mapping, got a list")
        #expect(refusal(variant("client_ca_files: [ca.crt]", "client_ca_files: ca.crt")) == #"proxy.yaml: tls.client_ca_files: expected a list, got "ca.crt""#)
        #expect(refusal(variant("cert_file: proxy.crt", "cert_file: [a, b]")) == "proxy.yaml: tls.cert_file: expected a string, got a list")
        #expect(refusal(variant("policy: {}", "policy: {discovery: yes}")) == #"proxy.yaml: policy.discovery: expected a boolean (true or false), got "yes""#)
        #expect(refusal(variant("policy: {}", "policy: {discovery: \"true\"}")) == #"proxy.yaml: policy.discovery: expected a boolean (true or false), got "true""#)
        #expect(refusal(minimalYAML + "\nupstream_pool: {max_idle_conns: lots}") == #"proxy.yaml: upstream_pool.max_idle_conns: expected an integer, got "lots""#)
        #expect(refusal(minimalYAML + "\nupstream_pool: {max_idle_conns: 0}") == "proxy.yaml: upstream_pool.max_idle_conns: must be greater than 0, got 0")
        #expect(refusal(minimalYAML + "\nupstream_pool: {idle_timeout: 90}") == #"proxy.yaml: upstream_pool.idle_timeout: "90" is not a duration (write e.g. "500ms", "30s", "5m", "8h", "1h30m")"#)
        #expect(refusal(minimalYAML + "\nupstream_pool: {max_idle_conns: 5}") == "proxy.yaml: upstream_pool.max_idle_conns_per_host: 10 is more than max_idle_conns (5)")
        #expect(refusal(variant("spool_dir: spool", "spool_dir: spool\n  durability: eventually")) == #"proxy.yaml: audit.durability: "eventually" is not one of: strict, batched"#)
        #expect(refusal(variant("spool_dir: spool", "spool_dir: spool\n  on_audit_failure: ignore")) == #"proxy.yaml: audit.on_audit_failure: "ignore" is not one of: deny, allow"#)
        #expect(refusal(variant("spool_dir: spool", "spool_dir: spool\n  on_recording_failure: pause")) == #"proxy.yaml: audit.on_recording_failure: "pause" is not one of: close, continue"#)
        #expect(refusal(variant("spool_dir: spool", "spool_dir: spool\n  default_level: metadata")) == #"proxy.yaml: audit.default_level: "metadata" is not an audit level (None, Metadata, Request, RequestResponse)"#)
        #expect(refusal(variant("spool_dir: spool", "spool_dir: spool\n  omit_stages: [Received]")) == #"proxy.yaml: audit.omit_stages[0]: "Received" is not an audit stage (RequestReceived, ResponseStarted, ResponseComplete, Panic)"#)
        #expect(refusal(variant("spool_dir: spool", "spool_dir:")) == "proxy.yaml: audit.spool_dir: missing required key")
    }

    @Test func badURLs() {
        #expect(refusal(variant("https://dev.example.com:6443", "htp://x")) == #"proxy.yaml: clusters[0].server: "htp://x" is not an https URL"#)
        #expect(refusal(variant("https://dev.example.com:6443", "http://dev.example.com")) == #"proxy.yaml: clusters[0].server: "http://dev.example.com" is not an https URL"#)
        #expect(refusal(variant("https://dev.example.com:6443", "https://")) == #"proxy.yaml: clusters[0].server: "https://" is not an https URL"#)
        #expect(refusal(variant("https://dev.example.com:6443", "https://u:p@dev.example.com")) == #"proxy.yaml: clusters[0].server: "https://u:p@dev.example.com": credentials do not belong in the URL"#)
        #expect(refusal(variant("https://dev.example.com:6443", "https://dev.example.com/?a=b")) == #"proxy.yaml: clusters[0].server: "https://dev.example.com/?a=b": a query or fragment is not allowed here"#)
        #expect(refusal(variant("postgres://kt@localhost/kt", "mysql://kt:hunter2@db/kt")) == #"proxy.yaml: audit.database_url: "mysql://kt:REDACTED@db/kt" is not a postgres:// URL"#)
        #expect(refusal(minimalYAML + "\noidc: {issuer: http://id, audience: a, jwks_file: j}") == #"proxy.yaml: oidc.issuer: "http://id" is not an https URL"#)
    }

    @Test func clusterNames() {
        let cluster = { (name: String) in withClusters("  - name: \"\(name)\"\n    server: https://x.example.com\n    token_env: T\n") }
        let rule = "is not a valid cluster name (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)"
        for bad in ["../x", "a%2F..", "Prod", "-a", "a-", "", "*", "a_b", "a.b", "é", String(repeating: "a", count: 64)] {
            #expect(refusal(cluster(bad)) == "proxy.yaml: clusters[0].name: \"\(bad)\" \(rule)")
        }
        for good in ["a", "0", "prod-eu-1", String(repeating: "a", count: 63)] {
            #expect(refusal(cluster(good)) == "accepted")
        }
        let twice = withClusters("""
              - {name: a, server: "https://a.example.com", token_env: T}
              - {name: b, server: "https://b.example.com", token_env: T}
              - {name: a, server: "https://c.example.com", token_env: T}
            """)
        #expect(refusal(twice) == #"proxy.yaml: clusters[2].name: duplicate cluster name "a" (also clusters[0])"#)
    }

    @Test func credentialsAreExactlyOne() {
        #expect(refusal(variant("token_file: dev.token", "ca_file: ca.crt")) == "proxy.yaml: clusters[0]: missing credentials: set client_cert_file and client_key_file, token_file, or token_env")
        #expect(refusal(variant("token_file: dev.token", "token_file: t\n    token_env: T")) == "proxy.yaml: clusters[0].token_env: set only one of client_cert_file (with client_key_file), token_file, token_env; found token_file, token_env")
        #expect(refusal(variant("token_file: dev.token", "client_cert_file: c")) == "proxy.yaml: clusters[0].client_key_file: missing required key: client_cert_file needs client_key_file")
        #expect(refusal(variant("token_file: dev.token", "token_env: 1BAD")) == #"proxy.yaml: clusters[0].token_env: "1BAD" is not an environment variable name"#)
    }

    @Test func missingRequiredKeys() {
        #expect(refusal(variant("policy: {}", "")) == "proxy.yaml: policy: missing required key")
        #expect(refusal(variant("  cert_file: proxy.crt\n", "")) == "proxy.yaml: tls.cert_file: missing required key")
        #expect(refusal(variant("postgres://kt@localhost/kt", "~")) == "proxy.yaml: audit.database_url: missing required key: set database_url or database_url_env")
        #expect(refusal(variant("  client_ca_files: [ca.crt]\n", "")) == "proxy.yaml: tls.client_ca_files: no way to authenticate users: set tls.client_ca_files, oidc, or both")
        #expect(refusal(withClusters("  []")) == "proxy.yaml: clusters: must list at least one cluster")
        #expect(refusal(minimalYAML + "\noidc: {issuer: \"https://id\", audience: a}") == "proxy.yaml: oidc.jwks_file: missing required key: set jwks_file or jwks_url")
    }

    @Test func listenAddresses() {
        #expect(refusal(minimalYAML + "\nlisten: 8443") == #"proxy.yaml: listen: "8443" is not a host:port address (e.g. "127.0.0.1:8443", "[::1]:8443", "0.0.0.0:8443")"#)
        #expect(refusal(minimalYAML + "\nlisten: \":8443\"") == #"proxy.yaml: listen: ":8443" is not a host:port address (e.g. "127.0.0.1:8443", "[::1]:8443", "0.0.0.0:8443")"#)
        #expect(refusal(minimalYAML + "\nlisten: 127.0.0.1:70000") == #"proxy.yaml: listen: "127.0.0.1:70000": port must be a number from 1 to 65535"#)
        #expect(refusal(minimalYAML + "\nadmin_listen: 127.0.0.1:8443") == #"proxy.yaml: admin_listen: "127.0.0.1:8443" is also the listen address; the admin listener needs its own"#)
    }

    @Test func policyMistakes() {
        let role = { (body: String) in variant("policy: {}", "policy:\n  roles:\n    - " + body) }
        #expect(refusal(role("{name: r, users: [a], clusters: [prod], verbs: [get], resources: [pods]}")) == #"proxy.yaml: policy.roles[0].clusters[0]: unknown cluster "prod" (defined: dev; or "*")"#)
        #expect(refusal(role("{name: r, users: [a], clusters: [dev], verbs: [lsit], resources: [pods]}")).hasPrefix(#"proxy.yaml: policy.roles[0].verbs[0]: unknown verb "lsit" (known: get, list,"#))
        #expect(refusal(role("{name: r, users: [a], clusters: [dev], verbs: [get], resources: [Pods]}")) == #"proxy.yaml: policy.roles[0].resources[0]: "Pods" is not a resource (write e.g. "pods", "pods/exec", "pods/*", "*/scale", "*"; resource names are lower-case)"#)
        #expect(refusal(role("{name: r, users: [a], clusters: [dev], verbs: [get], resources: [pods//x]}")).hasPrefix(#"proxy.yaml: policy.roles[0].resources[0]: "pods//x" is not a resource"#))
        #expect(refusal(role("{name: r, clusters: [dev], verbs: [get], resources: [pods]}")) == "proxy.yaml: policy.roles[0].users: a role must bind at least one user or group (set users, groups, or both)")
        #expect(refusal(role("{name: r, users: [\"\"], clusters: [dev], verbs: [get], resources: [pods]}")) == "proxy.yaml: policy.roles[0].users[0]: must not be empty")
        #expect(refusal(role("{name: r, users: [a], clusters: [dev], verbs: [get]}")) == "proxy.yaml: policy.roles[0].resources: the role grants nothing: set resources, non_resource_urls or impersonate")
        #expect(refusal(role("{name: r, users: [a], clusters: [dev], resources: [pods]}")) == "proxy.yaml: policy.roles[0].verbs: missing required key: a role with resources or non_resource_urls needs verbs")
        #expect(refusal(role("{name: r, users: [a], clusters: [dev], verbs: [get], non_resource_urls: [healthz]}")) == #"proxy.yaml: policy.roles[0].non_resource_urls[0]: "healthz" is not a non-resource URL (an absolute path like "/healthz" or a prefix like "/logs/*")"#)
        #expect(refusal(role("{name: r, users: [a], clusters: [dev], verbs: [get], non_resource_urls: [/a/../b]}")).hasPrefix(#"proxy.yaml: policy.roles[0].non_resource_urls[0]: "/a/../b" is not"#))
        #expect(refusal(role("{name: r, users: [a], clusters: [dev], impersonate: [x]}")) == "proxy.yaml: policy.roles[0].impersonate: expected a boolean or a mapping with users and groups, got a list")
        #expect(refusal(role("{name: r, users: [a], clusters: [dev], impersonate: {}}")) == "proxy.yaml: policy.roles[0].impersonate: list the users and/or groups that may be impersonated, or write true")
        let twice = variant("policy: {}", "policy:\n  roles:\n    - {name: r, users: [a], clusters: [dev], impersonate: true}\n    - {name: r, users: [b], clusters: [dev], impersonate: true}")
        #expect(refusal(twice) == #"proxy.yaml: policy.roles[1].name: duplicate role name "r" (also policy.roles[0])"#)
        #expect(refusal(variant("policy: {}", "policy: {deny: [{users: [x]}]}")) == "proxy.yaml: policy.deny[0].name: missing required key")
    }

    @Test func yamlItselfBroken() {
        let message = refusal("tls: [unclosed")
        #expect(message.hasPrefix("proxy.yaml: invalid YAML: "))
        #expect(refusal("") == "proxy.yaml: the file is empty")
        #expect(refusal("just a string") == #"proxy.yaml: expected a mapping, got "just a string""#)
        #expect(refusal(minimalYAML + "\nlisten: 127.0.0.1:1\nlisten: 127.0.0.1:2").hasPrefix("proxy.yaml: "))
    }

    @Test func oidcAlgorithms() {
        let oidc = { (algs: String) in minimalYAML + "\noidc: {issuer: \"https://id\", audience: a, jwks_url: \"https://id/keys\", allowed_algorithms: \(algs)}" }
        #expect(refusal(oidc("[none]")) == #"proxy.yaml: oidc.allowed_algorithms[0]: "none" is not an allowed algorithm (choose from RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA)"#)
        #expect(refusal(oidc("[HS256]")).hasPrefix(#"proxy.yaml: oidc.allowed_algorithms[0]: "HS256" is not an allowed algorithm"#))
        #expect(refusal(oidc("[]")) == "proxy.yaml: oidc.allowed_algorithms: must list at least one algorithm")
        #expect(refusal(oidc("[RS256]")) == "accepted")
    }

    @Test func jwksCAFileGoesWithJWKSURL() throws {
        let withURL = minimalYAML + "\noidc: {issuer: \"https://id\", audience: a, jwks_url: \"https://id/keys\", jwks_ca_file: idp/ca.crt}"
        #expect(try parse(withURL).oidc?.jwksCAFile == ConfigPath(given: "idp/ca.crt", resolved: "/etc/kt/idp/ca.crt"))
        let withFile = minimalYAML + "\noidc: {issuer: \"https://id\", audience: a, jwks_file: keys.json, jwks_ca_file: idp/ca.crt}"
        #expect(refusal(withFile) == "proxy.yaml: oidc.jwks_ca_file: only with jwks_url (it verifies the JWKS server)")
        #expect(try parse(withURL).oidc?.jwksRefreshInterval == .seconds(30))
        #expect(try parse(String(withURL.dropLast()) + ", jwks_refresh_interval: 2m}").oidc?.jwksRefreshInterval == .seconds(120))
        #expect(refusal(String(withURL.dropLast()) + ", jwks_refresh_interval: 500ms}") == "proxy.yaml: oidc.jwks_refresh_interval: must be at least 1s (it keeps tokens with made-up key ids from flooding the issuer)")
        #expect(refusal(minimalYAML + "\noidc: {issuer: \"https://id\", audience: a, jwks_url: \"http://id/keys\"}") == #"proxy.yaml: oidc.jwks_url: "http://id/keys" is not an https URL"#)
    }
}
