import Foundation

/// Turns the YAML tree into a validated `ProxyConfiguration`, one section at a time.
struct ConfigurationParser {
    let file: String
    let baseDirectory: String

    static let topLevelKeys = ["listen", "admin_listen", "tls", "oidc", "clusters", "policy", "audit", "upstream_pool"]

    func parse(_ root: YAMLNode) throws(ConfigurationError) -> ProxyConfiguration {
        let top = try root.mapping(allowedKeys: Self.topLevelKeys)
        let listen = try top["listen"].map { node throws(ConfigurationError) in try listenAddress(node) } ?? ListenAddress(host: "127.0.0.1", port: 8443)
        let admin = try top["admin_listen"].map { node throws(ConfigurationError) in try listenAddress(node) } ?? ListenAddress(host: "127.0.0.1", port: 9443)
        if listen == admin {
            throw top.error("admin_listen", "\"\(admin)\" is also the listen address; the admin listener needs its own")
        }
        let tls = try tlsSettings(top.required("tls"))
        let oidc = try top["oidc"].map { node throws(ConfigurationError) in try oidcSettings(node) }
        if tls.clientCAFiles.isEmpty && oidc == nil {
            throw ConfigurationError(file: file, keyPath: "tls.client_ca_files", problem: "no way to authenticate users: set tls.client_ca_files, oidc, or both")
        }
        let clusters = try clusterList(top.required("clusters"))
        let policy = try PolicyParser(file: file, clusterNames: clusters.map(\.name)).parse(top.required("policy"))
        let audit = try auditSettings(top.required("audit"), clusterNames: clusters.map(\.name))
        let pool = try top["upstream_pool"].map { node throws(ConfigurationError) in try poolSettings(node) } ?? UpstreamPoolSettings()
        return ProxyConfiguration(listen: listen, adminListen: admin, tls: tls, oidc: oidc, clusters: clusters, policy: policy, audit: audit, upstreamPool: pool)
    }

    // MARK: Values

    func path(_ node: YAMLNode) throws(ConfigurationError) -> ConfigPath {
        let given = try node.nonEmptyString()
        if given.contains("\0") { throw node.error("a file path cannot contain NUL") }
        let resolved = given.hasPrefix("/") ? given : (baseDirectory as NSString).appendingPathComponent(given)
        return ConfigPath(given: given, resolved: (resolved as NSString).standardizingPath)
    }

    func listenAddress(_ node: YAMLNode) throws(ConfigurationError) -> ListenAddress {
        let text = try node.string()
        let bad = node.error("\"\(text)\" is not a host:port address (e.g. \"127.0.0.1:8443\", \"[::1]:8443\", \"0.0.0.0:8443\")")
        var host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { throw bad }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw bad }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { throw bad }
        }
        host = host.trimmingCharacters(in: .whitespaces)[...]
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else { throw bad }
        guard portText.allSatisfy(\.isASCII), let port = Int(portText), (1...65535).contains(port) else {
            throw node.error("\"\(text)\": port must be a number from 1 to 65535")
        }
        return ListenAddress(host: String(host), port: port)
    }

    /// An `https://host[:port][/path]` URL, nothing else.
    func httpsURL(_ node: YAMLNode) throws(ConfigurationError) -> String {
        let text = try node.string()
        guard let components = URLComponents(string: text), components.scheme?.lowercased() == "https",
            let host = components.host, !host.isEmpty
        else {
            throw node.error("\"\(text)\" is not an https URL")
        }
        if components.user != nil || components.password != nil { throw node.error("\"\(text)\": credentials do not belong in the URL") }
        if components.query != nil || components.fragment != nil { throw node.error("\"\(text)\": a query or fragment is not allowed here") }
        if let port = components.port, !(1...65535).contains(port) { throw node.error("\"\(text)\": port must be a number from 1 to 65535") }
        return text
    }

    func environmentName(_ node: YAMLNode) throws(ConfigurationError) -> String {
        let name = try node.string()
        let valid = name.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } == true
            && name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
        guard valid else { throw node.error("\"\(name)\" is not an environment variable name") }
        return name
    }

    func oneOf<T: RawRepresentable & CaseIterable>(_ node: YAMLNode, _ type: T.Type) throws(ConfigurationError) -> T where T.RawValue == String {
        let text = try node.string()
        guard let value = T(rawValue: text) else {
            throw node.error("\"\(text)\" is not one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    func positive(_ node: YAMLNode) throws(ConfigurationError) -> Int {
        let value = try node.int()
        guard value > 0 else { throw node.error("must be greater than 0, got \(value)") }
        return value
    }

    // MARK: Sections

    func tlsSettings(_ node: YAMLNode) throws(ConfigurationError) -> TLSSettings {
        let map = try node.mapping(allowedKeys: ["cert_file", "key_file", "client_ca_files"])
        var cas: [ConfigPath] = []
        for item in try map["client_ca_files"]?.list() ?? [] { cas.append(try path(item)) }
        return TLSSettings(certificateFile: try path(map.required("cert_file")), keyFile: try path(map.required("key_file")), clientCAFiles: cas)
    }

    static let signingAlgorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]

    func oidcSettings(_ node: YAMLNode) throws(ConfigurationError) -> OIDCSettings {
        let map = try node.mapping(allowedKeys: [
            "issuer", "audience", "jwks_file", "jwks_url", "jwks_ca_file", "jwks_refresh_interval", "username_claim", "groups_claim", "username_prefix", "groups_prefix", "allowed_algorithms",
        ])
        let issuer = try httpsURL(map.required("issuer"))
        let jwks: JWKSSource
        switch (map["jwks_file"], map["jwks_url"]) {
        case (let file?, nil): jwks = .file(try path(file))
        case (nil, let url?): jwks = .url(try httpsURL(url))
        case (nil, nil): throw map.error("jwks_file", "missing required key: set jwks_file or jwks_url")
        case (_?, _?): throw map.error("jwks_url", "set jwks_file or jwks_url, not both")
        }
        var jwksCAFile: ConfigPath?
        if let node = map["jwks_ca_file"] {
            guard case .url = jwks else { throw map.error("jwks_ca_file", "only with jwks_url (it verifies the JWKS server)") }
            jwksCAFile = try path(node)
        }
        var refreshInterval: Duration = .seconds(30)
        if let node = map["jwks_refresh_interval"] {
            refreshInterval = try node.duration()
            if refreshInterval < .seconds(1) { throw node.error("must be at least 1s (it keeps tokens with made-up key ids from flooding the issuer)") }
        }
        var algorithms = ["RS256"]
        if let node = map["allowed_algorithms"] {
            algorithms = []
            for item in try node.list() {
                let name = try item.string()
                guard Self.signingAlgorithms.contains(name) else {
                    throw item.error("\"\(name)\" is not an allowed algorithm (choose from \(Self.signingAlgorithms.joined(separator: ", ")))")
                }
                algorithms.append(name)
            }
            if algorithms.isEmpty { throw node.error("must list at least one algorithm") }
        }
        return OIDCSettings(
            issuer: issuer, audience: try map.required("audience").nonEmptyString(), jwks: jwks, jwksCAFile: jwksCAFile, jwksRefreshInterval: refreshInterval,
            usernameClaim: try map["username_claim"]?.nonEmptyString() ?? "sub",
            groupsClaim: try map["groups_claim"]?.nonEmptyString() ?? "groups",
            usernamePrefix: try map["username_prefix"]?.string() ?? "",
            groupsPrefix: try map["groups_prefix"]?.string() ?? "",
            allowedAlgorithms: algorithms)
    }

    static func isValidClusterName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...63).contains(bytes.count) else { return false }
        func alnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }
        return alnum(bytes.first!) && alnum(bytes.last!) && bytes.allSatisfy { alnum($0) || $0 == 0x2D }
    }

    func clusterList(_ node: YAMLNode) throws(ConfigurationError) -> [ClusterSettings] {
        let items = try node.list()
        if items.isEmpty { throw node.error("must list at least one cluster") }
        var clusters: [ClusterSettings] = []
        for item in items {
            let cluster = try clusterSettings(item)
            if let first = clusters.firstIndex(where: { $0.name == cluster.name }) {
                throw ConfigurationError(file: file, keyPath: "\(item.path).name", problem: "duplicate cluster name \"\(cluster.name)\" (also clusters[\(first)])")
            }
            clusters.append(cluster)
        }
        return clusters
    }

    func clusterSettings(_ node: YAMLNode) throws(ConfigurationError) -> ClusterSettings {
        let map = try node.mapping(allowedKeys: ["name", "server", "ca_file", "client_cert_file", "client_key_file", "token_file", "token_env", "tls_server_name"])
        let nameNode = try map.required("name")
        let name = try nameNode.string()
        guard Self.isValidClusterName(name) else {
            throw nameNode.error("\"\(name)\" is not a valid cluster name (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)")
        }
        let server = try httpsURL(map.required("server"))
        let credentials: UpstreamCredentials
        let given = ["client_cert_file", "token_file", "token_env"].filter { map[$0] != nil }
        switch (map["client_cert_file"], map["client_key_file"], map["token_file"], map["token_env"]) {
        case (let cert?, let key?, nil, nil): credentials = .clientCertificate(certificate: try path(cert), key: try path(key))
        case (_?, nil, nil, nil): throw map.error("client_key_file", "missing required key: client_cert_file needs client_key_file")
        case (nil, _?, _, _): throw map.error("client_cert_file", "missing required key: client_key_file needs client_cert_file")
        case (nil, nil, let file?, nil): credentials = .tokenFile(try path(file))
        case (nil, nil, nil, let env?): credentials = .tokenEnvironment(try environmentName(env))
        case (nil, nil, nil, nil):
            throw ConfigurationError(file: file, keyPath: node.path, problem: "missing credentials: set client_cert_file and client_key_file, token_file, or token_env")
        default:
            throw map.error(given.last!, "set only one of client_cert_file (with client_key_file), token_file, token_env; found \(given.joined(separator: ", "))")
        }
        return ClusterSettings(
            name: name, server: server, caFile: try map["ca_file"].map { node throws(ConfigurationError) in try path(node) },
            credentials: credentials, tlsServerName: try map["tls_server_name"]?.nonEmptyString())
    }

    func auditSettings(_ node: YAMLNode, clusterNames: [String]) throws(ConfigurationError) -> AuditSettings {
        let map = try node.mapping(allowedKeys: [
            "database_url", "database_url_env", "spool_dir", "durability", "on_audit_failure", "default_level", "omit_stages", "rules",
            "record_stdin", "on_recording_failure",
        ])
        let database: DatabaseURLSource
        switch (map["database_url"], map["database_url_env"]) {
        case (let url?, nil):
            let text = try url.string()
            guard let components = URLComponents(string: text), ["postgres", "postgresql"].contains(components.scheme ?? ""),
                components.host?.isEmpty == false || components.path.hasPrefix("/")
            else {
                throw url.error("\"\(Self.redactingPassword(text))\" is not a postgres:// URL")
            }
            database = .literal(text)
        case (nil, let env?): database = .environment(try environmentName(env))
        case (nil, nil): throw map.error("database_url", "missing required key: set database_url or database_url_env")
        case (_?, _?): throw map.error("database_url_env", "set database_url or database_url_env, not both")
        }
        let levels = try AuditRulesParser(file: file, clusterNames: clusterNames).parse(map)
        return AuditSettings(
            database: database, spoolDirectory: try path(map.required("spool_dir")),
            durability: try map["durability"].map { node throws(ConfigurationError) in try oneOf(node, AuditDurability.self) } ?? .batched,
            onAuditFailure: try map["on_audit_failure"].map { node throws(ConfigurationError) in try oneOf(node, AuditFailurePolicy.self) } ?? .deny,
            levels: levels,
            recordStdin: try map["record_stdin"]?.bool() ?? true,
            onRecordingFailure: try map["on_recording_failure"].map { node throws(ConfigurationError) in try oneOf(node, RecordingFailurePolicy.self) } ?? .close)
    }

    /// Error messages must not print a database password.
    static func redactingPassword(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "REDACTED"
        return components.string ?? "(unprintable URL)"
    }

    func poolSettings(_ node: YAMLNode) throws(ConfigurationError) -> UpstreamPoolSettings {
        let map = try node.mapping(allowedKeys: ["max_idle_conns", "max_idle_conns_per_host", "idle_timeout"])
        var pool = UpstreamPoolSettings()
        if let value = map["max_idle_conns"] { pool.maxIdleConnections = try positive(value) }
        if let value = map["max_idle_conns_per_host"] { pool.maxIdleConnectionsPerHost = try positive(value) }
        if let value = map["idle_timeout"] {
            pool.idleTimeout = try value.duration()
            if pool.idleTimeout <= .zero { throw value.error("must be longer than 0s") }
        }
        if pool.maxIdleConnectionsPerHost > pool.maxIdleConnections {
            throw map.error("max_idle_conns_per_host", "\(pool.maxIdleConnectionsPerHost) is more than max_idle_conns (\(pool.maxIdleConnections))")
        }
        return pool
    }
}
