import KubeAPI

/// `meta.k8s.io/v1 Table` renderings with the columns kube-apiserver's printers give each kind,
/// so `kubectl get` prints what it prints against a real cluster.
struct TableConverter {
    var nowMicroseconds: Int64

    struct Column {
        var name: String
        var type: String
        var format: String
        var description: String
        var priority: Int
        var cell: (JSONValue) -> JSONValue
    }

    /// The table of `objects`.
    func table(_ objects: [JSONValue], type: ResourceType, resourceVersion: String, continueToken: String? = nil,
               includeColumnDefinitions: Bool = true) -> JSONValue {
        let columns = columns(for: type)
        var metadata = JSONObject(["resourceVersion": .string(resourceVersion)])
        if let continueToken { metadata["continue"] = .string(continueToken) }
        let definitions: [JSONValue] = includeColumnDefinitions ? columns.map { column in
            .object(JSONObject([
                "name": .string(column.name), "type": .string(column.type), "format": .string(column.format),
                "description": .string(column.description), "priority": .int(Int64(column.priority)),
            ]))
        } : []
        let rows: [JSONValue] = objects.map { object in
            .object(JSONObject([
                "cells": .array(columns.map { $0.cell(object) }),
                "object": Self.partialObjectMetadata(object),
            ]))
        }
        return .object(JSONObject([
            "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": .object(metadata),
            "columnDefinitions": .array(definitions), "rows": .array(rows),
        ]))
    }

    /// The `PartialObjectMetadata` kubectl reads namespace and labels from.
    static func partialObjectMetadata(_ object: JSONValue) -> JSONValue {
        .object(JSONObject([
            "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": object["metadata"] ?? .object(JSONObject()),
        ]))
    }

    private func age(_ object: JSONValue) -> JSONValue {
        guard let text = object[path: ["metadata", "creationTimestamp"]]?.stringValue,
            let created = KubernetesTime.parse(text)
        else { return "<unknown>" }
        return .string(KubernetesTime.humanDuration(seconds: max(0, (nowMicroseconds - created) / 1_000_000)))
    }

    private static func name(_ object: JSONValue) -> JSONValue { object[path: ["metadata", "name"]] ?? "" }

    private func nameColumn() -> Column {
        Column(name: "Name", type: "string", format: "name",
               description: "Name must be unique within a namespace. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
               priority: 0, cell: Self.name)
    }

    private func ageColumn() -> Column {
        Column(name: "Age", type: "string", format: "",
               description: "CreationTimestamp is a timestamp representing the server time when this object was created.",
               priority: 0, cell: age)
    }

    private func columns(for type: ResourceType) -> [Column] {
        func string(_ name: String, _ description: String, priority: Int = 0, _ cell: @escaping (JSONValue) -> JSONValue) -> Column {
            Column(name: name, type: "string", format: "", description: description, priority: priority, cell: cell)
        }
        func integer(_ name: String, _ description: String, _ cell: @escaping (JSONValue) -> JSONValue) -> Column {
            Column(name: name, type: "integer", format: "", description: description, priority: 0, cell: cell)
        }
        switch type.resource {
        case "pods":
            return [
                nameColumn(),
                string("Ready", "The aggregate readiness state of this pod for accepting traffic.") { pod in
                    let total = pod[path: ["spec", "containers"]]?.arrayValue?.count ?? 0
                    let ready = pod[path: ["status", "containerStatuses"]]?.arrayValue?.filter { $0["ready"]?.boolValue == true }.count ?? 0
                    return .string("\(ready)/\(total)")
                },
                string("Status", "The aggregate status of the containers in this pod.") { pod in
                    if pod[path: ["metadata", "deletionTimestamp"]] != nil { return "Terminating" }
                    return pod[path: ["status", "phase"]] ?? "Pending"
                },
                integer("Restarts", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.") { pod in
                    .int(pod[path: ["status", "containerStatuses"]]?.arrayValue?.reduce(0) { $0 + ($1["restartCount"]?.intValue ?? 0) } ?? 0)
                },
                ageColumn(),
                string("IP", "The IP address assigned to the pod", priority: 1) { $0[path: ["status", "podIP"]] ?? "<none>" },
                string("Node", "The name of the node assigned to the pod", priority: 1) { $0[path: ["spec", "nodeName"]] ?? "<none>" },
                string("Nominated Node", "The name of the node nominated by the scheduler", priority: 1) { _ in "<none>" },
                string("Readiness Gates", "The readiness gates of the pod", priority: 1) { _ in "<none>" },
            ]
        case "namespaces":
            return [nameColumn(), string("Status", "The status of the namespace") { $0[path: ["status", "phase"]] ?? "" }, ageColumn()]
        case "services":
            return [
                nameColumn(),
                string("Type", "The type of the service") { $0[path: ["spec", "type"]] ?? "ClusterIP" },
                string("Cluster-IP", "The cluster IP of the service") { $0[path: ["spec", "clusterIP"]] ?? "<none>" },
                string("External-IP", "The external IPs of the service") { _ in "<none>" },
                string("Port(s)", "The ports of the service") { service in
                    let ports = service[path: ["spec", "ports"]]?.arrayValue ?? []
                    if ports.isEmpty { return "<none>" }
                    return .string(ports.map { port in
                        let number = port["port"]?.intValue ?? 0
                        let proto = port["protocol"]?.stringValue ?? "TCP"
                        if let node = port["nodePort"]?.intValue { return "\(number):\(node)/\(proto)" }
                        return "\(number)/\(proto)"
                    }.joined(separator: ","))
                },
                ageColumn(),
                string("Selector", "The selector of the service", priority: 1) { service in
                    guard let selector = service[path: ["spec", "selector"]]?.objectValue, !selector.isEmpty else { return "<none>" }
                    return .string(selector.members.map { "\($0.key)=\($0.value.stringValue ?? "")" }.sorted().joined(separator: ","))
                },
            ]
        case "configmaps":
            return [nameColumn(), integer("Data", "Number of data entries") { cm in
                .int(Int64((cm["data"]?.objectValue?.count ?? 0) + (cm["binaryData"]?.objectValue?.count ?? 0)))
            }, ageColumn()]
        case "secrets":
            return [
                nameColumn(), string("Type", "The type of the secret") { $0["type"] ?? "Opaque" },
                integer("Data", "Number of data entries") { .int(Int64($0["data"]?.objectValue?.count ?? 0)) }, ageColumn(),
            ]
        case "serviceaccounts":
            return [nameColumn(), integer("Secrets", "Number of secrets") { .int(Int64($0["secrets"]?.arrayValue?.count ?? 0)) }, ageColumn()]
        case "events":
            return [
                string("Last Seen", "Last seen") { event in
                    let text = event["lastTimestamp"]?.stringValue ?? event["eventTime"]?.stringValue ?? ""
                    guard let seen = KubernetesTime.parse(text) else { return "<unknown>" }
                    return .string(KubernetesTime.humanDuration(seconds: max(0, (nowMicroseconds - seen) / 1_000_000)))
                },
                string("Type", "Type") { $0["type"] ?? "" },
                string("Reason", "Reason") { $0["reason"] ?? "" },
                string("Object", "Object") { event in
                    let kind = (event[path: ["involvedObject", "kind"]]?.stringValue ?? "").lowercased()
                    return .string("\(kind)/\(event[path: ["involvedObject", "name"]]?.stringValue ?? "")")
                },
                string("Message", "Message") { $0["message"] ?? "" },
            ]
        case "deployments":
            return [
                nameColumn(),
                string("Ready", "Number of the pod with ready state") { d in
                    .string("\(d[path: ["status", "readyReplicas"]]?.intValue ?? 0)/\(d[path: ["spec", "replicas"]]?.intValue ?? 0)")
                },
                integer("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the desired template spec.") {
                    .int($0[path: ["status", "updatedReplicas"]]?.intValue ?? 0)
                },
                integer("Available", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.") {
                    .int($0[path: ["status", "availableReplicas"]]?.intValue ?? 0)
                },
                ageColumn(),
                string("Containers", "Names of each container in the template.", priority: 1) { d in
                    .string((d[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }.joined(separator: ","))
                },
                string("Images", "Images referenced by each container in the template.", priority: 1) { d in
                    .string((d[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []).compactMap { $0["image"]?.stringValue }.joined(separator: ","))
                },
                string("Selector", "Label selector for pods.", priority: 1) { d in
                    .string((d[path: ["spec", "selector", "matchLabels"]]?.objectValue?.members ?? []).map { "\($0.key)=\($0.value.stringValue ?? "")" }.joined(separator: ","))
                },
            ]
        default:
            return [nameColumn(), ageColumn()]
        }
    }
}
