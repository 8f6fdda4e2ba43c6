import KubeAPI
import Yams

/// Who may do what on the emulated cluster: a small RBAC file.
///
/// ```yaml
/// rules:
///   - users: [kubetrail-proxy]          # the proxy may impersonate
///     verbs: [impersonate]
///     resources: [users, groups, userextras]
///   - groups: [dev]
///     verbs: [get, list, watch]
///     resources: [pods, pods/log]
///     namespaces: [default]
/// ```
/// A rule matches when the user or one of its groups is listed, the verb and resource (with
/// `/subresource`) are listed or `*`, and, if `namespaces` is given, the namespace is listed.
/// Without a policy every authenticated caller may do everything (the AlwaysAllow authorizer).
/// Non-resource URLs (discovery, /version, /healthz) are open to every authenticated caller, as
/// the `system:discovery` role makes them.
public struct AccessPolicy: Sendable, Equatable {
    public struct Rule: Sendable, Equatable {
        public var users: [String]
        public var groups: [String]
        public var verbs: [String]
        public var resources: [String]
        public var namespaces: [String]?
        public var apiGroups: [String]?
    }

    public var rules: [Rule]

    public init(rules: [Rule]) { self.rules = rules }

    /// Why a policy file could not be used, naming the file and the place.
    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads a policy from YAML text; `source` names it in errors.
    public init(yaml text: String, source: String) throws {
        let document: Any?
        do {
            document = try Yams.load(yaml: text)
        } catch {
            throw LoadError(description: "\(source): not valid YAML: \(error)")
        }
        guard let root = document as? [String: Any], let list = root["rules"] as? [Any] else {
            throw LoadError(description: "\(source): expected a top-level \"rules:\" list")
        }
        var rules: [Rule] = []
        for (index, item) in list.enumerated() {
            guard let entry = item as? [String: Any] else {
                throw LoadError(description: "\(source): rules[\(index)] must be a mapping")
            }
            let known: Set<String> = ["users", "groups", "verbs", "resources", "namespaces", "apiGroups"]
            if let unknown = entry.keys.first(where: { !known.contains($0) }) {
                throw LoadError(description: "\(source): rules[\(index)]: unknown key \"\(unknown)\" (known: \(known.sorted().joined(separator: ", ")))")
            }
            func strings(_ key: String) throws -> [String]? {
                guard let value = entry[key] else { return nil }
                guard let array = value as? [Any] else {
                    throw LoadError(description: "\(source): rules[\(index)].\(key) must be a list of strings")
                }
                return array.map { "\($0)" }
            }
            let rule = Rule(
                users: try strings("users") ?? [], groups: try strings("groups") ?? [], verbs: try strings("verbs") ?? [],
                resources: try strings("resources") ?? [], namespaces: try strings("namespaces"),
                apiGroups: try strings("apiGroups"))
            if rule.users.isEmpty, rule.groups.isEmpty {
                throw LoadError(description: "\(source): rules[\(index)] names no users and no groups")
            }
            if rule.verbs.isEmpty { throw LoadError(description: "\(source): rules[\(index)] has no verbs") }
            if rule.resources.isEmpty { throw LoadError(description: "\(source): rules[\(index)] has no resources") }
            rules.append(rule)
        }
        self.rules = rules
    }

    /// Whether `user` may `verb` the resource (`pods`, `pods/log`) in `namespace` of API group `group`.
    public func allows(_ user: UserIdentity, verb: String, group: String, resource: String, subresource: String,
                       namespace: String) -> Bool {
        let target = subresource.isEmpty ? resource : "\(resource)/\(subresource)"
        return rules.contains { rule in
            (rule.users.contains(user.name) || rule.users.contains("*") || user.groups.contains { rule.groups.contains($0) })
                && (rule.verbs.contains(verb) || rule.verbs.contains("*"))
                && (rule.resources.contains(target) || rule.resources.contains("*")
                    || (subresource.isEmpty ? false : rule.resources.contains("\(resource)/*")))
                && (rule.apiGroups.map { $0.contains(group) || $0.contains("*") } ?? true)
                && (rule.namespaces.map { namespace.isEmpty ? false : ($0.contains(namespace) || $0.contains("*")) } ?? true)
        }
    }
}
