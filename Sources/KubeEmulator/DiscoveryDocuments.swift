import KubeAPI

/// The discovery documents kube-apiserver serves, for the resources the emulator has.
enum DiscoveryDocuments {
    static let aggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

    static func version(_ gitVersion: String) -> JSONValue {
        let numbers = gitVersion.dropFirst().split(separator: ".")
        return [
            "major": .string(numbers.first.map(String.init) ?? "1"),
            "minor": .string(numbers.dropFirst().first.map(String.init) ?? "0"),
            "emulationMajor": .string(numbers.first.map(String.init) ?? "1"),
            "emulationMinor": .string(numbers.dropFirst().first.map(String.init) ?? "0"),
            "gitVersion": .string(gitVersion), "gitCommit": "0000000000000000000000000000000000000000",
            "gitTreeState": "clean", "buildDate": "2026-04-22T00:00:00Z", "goVersion": "go1.25.9", "compiler": "gc",
            "platform": "linux/amd64",
        ]
    }

    static func apiVersions(serverAddress: String) -> JSONValue {
        [
            "kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]],
        ]
    }

    static func apiGroup(_ group: String) -> JSONValue {
        let versions: [JSONValue] = ResourceCatalog.groupVersions.filter { $0.group == group }.map {
            ["groupVersion": .string("\(group)/\($0.version)"), "version": .string($0.version)]
        }
        return [
            "kind": "APIGroup", "apiVersion": "v1", "name": .string(group), "versions": .array(versions),
            "preferredVersion": versions.first ?? .null,
        ]
    }

    static func apiGroupList() -> JSONValue {
        let groups = Set(ResourceCatalog.groupVersions.map(\.group)).filter { !$0.isEmpty }.sorted()
        return [
            "kind": "APIGroupList", "apiVersion": "v1",
            "groups": .array(groups.map { group in
                var document = apiGroup(group).objectValue!
                document["kind"] = nil
                document["apiVersion"] = nil
                return .object(document)
            }),
        ]
    }

    static func resourceList(group: String, version: String) -> JSONValue? {
        let types = ResourceCatalog.all.filter { $0.group == group && $0.version == version }
        guard !types.isEmpty else { return nil }
        var resources: [JSONValue] = []
        for type in types.sorted(by: { $0.resource < $1.resource }) {
            var entry = JSONObject([
                "name": .string(type.resource), "singularName": .string(type.singular),
                "namespaced": .bool(type.namespaced), "kind": .string(type.kind),
                "verbs": .array(type.verbs.map { .string($0) }),
            ])
            if !type.shortNames.isEmpty { entry["shortNames"] = .array(type.shortNames.map { .string($0) }) }
            if !type.categories.isEmpty { entry["categories"] = .array(type.categories.map { .string($0) }) }
            resources.append(.object(entry))
            for sub in type.subresources {
                resources.append([
                    "name": .string("\(type.resource)/\(sub.name)"), "singularName": "", "namespaced": .bool(type.namespaced),
                    "kind": .string(sub.kind), "verbs": .array(sub.verbs.map { .string($0) }),
                ])
            }
        }
        return [
            "kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"), "resources": .array(resources),
        ]
    }

    /// `apidiscovery.k8s.io/v2 APIGroupDiscoveryList` for `/api` (core) or `/apis` (named groups).
    static func aggregated(core: Bool) -> JSONValue {
        let groups = core ? [""] : Set(ResourceCatalog.groupVersions.map(\.group)).filter { !$0.isEmpty }.sorted()
        let items: [JSONValue] = groups.map { group in
            let versions: [JSONValue] = ResourceCatalog.groupVersions.filter { $0.group == group }.map { groupVersion in
                let resources: [JSONValue] = ResourceCatalog.all
                    .filter { $0.group == group && $0.version == groupVersion.version }
                    .sorted { $0.resource < $1.resource }
                    .map { type in
                        var entry = JSONObject([
                            "resource": .string(type.resource),
                            "responseKind": ["group": .string(group), "version": .string(type.version), "kind": .string(type.kind)],
                            "scope": .string(type.namespaced ? "Namespaced" : "Cluster"),
                            "singularResource": .string(type.singular),
                            "verbs": .array(type.verbs.map { .string($0) }),
                        ])
                        if !type.shortNames.isEmpty { entry["shortNames"] = .array(type.shortNames.map { .string($0) }) }
                        if !type.categories.isEmpty { entry["categories"] = .array(type.categories.map { .string($0) }) }
                        if !type.subresources.isEmpty {
                            entry["subresources"] = .array(type.subresources.map { sub in
                                [
                                    "subresource": .string(sub.name),
                                    "responseKind": ["group": .string(group), "version": .string(type.version), "kind": .string(sub.kind)],
                                    "verbs": .array(sub.verbs.map { .string($0) }),
                                ]
                            })
                        }
                        return .object(entry)
                    }
                return ["version": .string(groupVersion.version), "resources": .array(resources), "freshness": "Current"]
            }
            var metadata = JSONObject()
            if !group.isEmpty { metadata["name"] = .string(group) }
            return ["metadata": .object(metadata), "versions": .array(versions)]
        }
        return ["kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": [:], "items": .array(items)]
    }

    /// Whether the client asked for aggregated discovery first.
    static func wantsAggregated(_ accept: [MediaType]) -> Bool {
        for range in accept {
            if range.parameter("g") == "apidiscovery.k8s.io", range.parameter("v") == "v2",
                range.parameter("as") == "APIGroupDiscoveryList"
            {
                return true
            }
            if range.accepts("application/json") { return false }
        }
        return false
    }
}
