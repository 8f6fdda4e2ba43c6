import KubeAPI

/// One kind of object the emulator serves: its names in every form clients use.
public struct ResourceType: Sendable, Equatable {
    public var group: String
    public var version: String
    /// The plural, lowercase resource name in URLs: `pods`.
    public var resource: String
    public var kind: String
    public var singular: String
    public var namespaced: Bool
    public var shortNames: [String]
    public var categories: [String]
    public var verbs: [String]
    /// Subresources served, with the kind each answers with (`log` → `Pod` is not right; kept as in discovery).
    public var subresources: [(name: String, kind: String, verbs: [String])]

    /// `v1` or `apps/v1`.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    public var listKind: String { kind + "List" }

    /// The URL prefix of this resource's group version: `/api/v1` or `/apis/apps/v1`.
    public var groupVersionPath: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }

    public static func == (lhs: ResourceType, rhs: ResourceType) -> Bool {
        lhs.group == rhs.group && lhs.version == rhs.version && lhs.resource == rhs.resource
    }

    static let allVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
}

/// Every resource the emulator serves, by group version: core/v1 and apps/v1.
public enum ResourceCatalog {
    public static let namespaces = ResourceType(
        group: "", version: "v1", resource: "namespaces", kind: "Namespace", singular: "namespace", namespaced: false,
        shortNames: ["ns"], categories: [], verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
        subresources: [("status", "Namespace", ["get", "patch", "update"])])
    public static let pods = ResourceType(
        group: "", version: "v1", resource: "pods", kind: "Pod", singular: "pod", namespaced: true, shortNames: ["po"],
        categories: ["all"], verbs: ResourceType.allVerbs,
        subresources: [
            ("attach", "PodAttachOptions", ["create", "get"]), ("exec", "PodExecOptions", ["create", "get"]),
            ("log", "Pod", ["get"]), ("portforward", "PodPortForwardOptions", ["create", "get"]),
            ("status", "Pod", ["get", "patch", "update"]),
        ])
    public static let services = ResourceType(
        group: "", version: "v1", resource: "services", kind: "Service", singular: "service", namespaced: true,
        shortNames: ["svc"], categories: ["all"], verbs: ResourceType.allVerbs,
        subresources: [("status", "Service", ["get", "patch", "update"])])
    public static let configmaps = ResourceType(
        group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", singular: "configmap", namespaced: true,
        shortNames: ["cm"], categories: [], verbs: ResourceType.allVerbs, subresources: [])
    public static let secrets = ResourceType(
        group: "", version: "v1", resource: "secrets", kind: "Secret", singular: "secret", namespaced: true,
        shortNames: [], categories: [], verbs: ResourceType.allVerbs, subresources: [])
    public static let serviceaccounts = ResourceType(
        group: "", version: "v1", resource: "serviceaccounts", kind: "ServiceAccount", singular: "serviceaccount",
        namespaced: true, shortNames: ["sa"], categories: [], verbs: ResourceType.allVerbs, subresources: [])
    public static let events = ResourceType(
        group: "", version: "v1", resource: "events", kind: "Event", singular: "event", namespaced: true,
        shortNames: ["ev"], categories: [], verbs: ResourceType.allVerbs, subresources: [])
    public static let deployments = ResourceType(
        group: "apps", version: "v1", resource: "deployments", kind: "Deployment", singular: "deployment",
        namespaced: true, shortNames: ["deploy"], categories: ["all"], verbs: ResourceType.allVerbs,
        subresources: [("status", "Deployment", ["get", "patch", "update"])])

    public static let all: [ResourceType] = [
        namespaces, pods, services, configmaps, secrets, serviceaccounts, events, deployments,
    ]

    /// The resource type at group `group`, version `version`, named `resource`.
    public static func lookup(group: String, version: String, resource: String) -> ResourceType? {
        all.first { $0.group == group && $0.version == version && $0.resource == resource }
    }

    /// The resource type for an object's `apiVersion` and `kind`.
    public static func lookup(apiVersion: String, kind: String) -> ResourceType? {
        all.first { $0.apiVersion == apiVersion && $0.kind == kind }
    }

    /// The group versions served, in discovery order.
    public static let groupVersions: [(group: String, version: String)] = [("", "v1"), ("apps", "v1")]
}
