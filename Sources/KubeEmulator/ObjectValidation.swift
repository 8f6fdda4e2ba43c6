import KubeAPI

/// The checks kube-apiserver makes before storing an object, answered as 422 Invalid causes.
enum ObjectValidation {
    /// Causes of invalidity of `object` as a `type`; empty when it is valid.
    static func causes(_ object: JSONValue, type: ResourceType) -> [KubernetesStatus.Cause] {
        var causes: [KubernetesStatus.Cause] = []
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        if name.isEmpty {
            causes.append(.required("metadata.name"))
        } else if let why = nameProblem(name, dnsLabel: ["namespaces", "services"].contains(type.resource)) {
            causes.append(.invalid("metadata.name", value: name, why))
        }
        for field in ["labels", "annotations"] {
            if let value = object[path: ["metadata", field]], value.objectValue == nil, !value.isNull {
                causes.append(.invalid("metadata.\(field)", value: value.typeName, "must be an object of strings"))
            }
        }
        switch type.resource {
        case "pods":
            causes += podSpecCauses(object["spec"], field: "spec")
        case "deployments":
            causes += podSpecCauses(object[path: ["spec", "template", "spec"]], field: "spec.template.spec")
            let selector = object[path: ["spec", "selector", "matchLabels"]]?.objectValue
            if selector == nil, object[path: ["spec", "selector", "matchExpressions"]] == nil {
                causes.append(.required("spec.selector"))
            } else if let selector {
                let labels = object[path: ["spec", "template", "metadata", "labels"]]?.objectValue ?? JSONObject()
                for member in selector.members where labels[member.key] != member.value {
                    causes.append(.invalid(
                        "spec.template.metadata.labels", value: labelText(labels),
                        "`selector` does not match template `labels`"))
                    break
                }
            }
            if let replicas = object[path: ["spec", "replicas"]]?.intValue, replicas < 0 {
                causes.append(.invalid("spec.replicas", value: String(replicas), "must be greater than or equal to 0"))
            }
        case "services":
            let serviceType = object[path: ["spec", "type"]]?.stringValue ?? "ClusterIP"
            let ports = object[path: ["spec", "ports"]]?.arrayValue ?? []
            if ports.isEmpty, serviceType != "ExternalName", object[path: ["spec", "clusterIP"]]?.stringValue != "None" {
                causes.append(.required("spec.ports"))
            }
            for (index, port) in ports.enumerated() {
                let number = port["port"]?.intValue ?? 0
                if !(1...65535).contains(number) {
                    causes.append(.invalid("spec.ports[\(index)].port", value: String(number), "must be between 1 and 65535, inclusive"))
                }
            }
        case "configmaps", "secrets":
            for field in ["data", "binaryData", "stringData"] {
                for member in object[field]?.objectValue?.members ?? [] where !isConfigKey(member.key) {
                    causes.append(.invalid(
                        "\(field)[\(member.key)]", value: member.key,
                        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"))
                }
            }
            if type.resource == "secrets" {
                for member in object["data"]?.objectValue?.members ?? [] where Base64.decode(member.value.stringValue ?? "") == nil {
                    causes.append(.invalid("data[\(member.key)]", value: "<secret>", "must be base64 encoded"))
                }
            }
        default:
            break
        }
        return causes
    }

    static func podSpecCauses(_ spec: JSONValue?, field: String) -> [KubernetesStatus.Cause] {
        guard let spec, let containers = spec["containers"]?.arrayValue, !containers.isEmpty else {
            return [.required("\(field).containers")]
        }
        var causes: [KubernetesStatus.Cause] = []
        var names = Set<String>()
        for (index, container) in containers.enumerated() {
            let name = container["name"]?.stringValue ?? ""
            if name.isEmpty {
                causes.append(.required("\(field).containers[\(index)].name"))
            } else if let why = nameProblem(name, dnsLabel: true) {
                causes.append(.invalid("\(field).containers[\(index)].name", value: name, why))
            } else if !names.insert(name).inserted {
                causes.append(KubernetesStatus.Cause(
                    reason: "FieldValueDuplicate", field: "\(field).containers[\(index)].name",
                    message: "Duplicate value: \"\(name)\""))
            }
            if (container["image"]?.stringValue ?? "").isEmpty {
                causes.append(.required("\(field).containers[\(index)].image"))
            }
        }
        return causes
    }

    /// Why `name` is not a valid RFC 1123 subdomain (or label), or nil.
    static func nameProblem(_ name: String, dnsLabel: Bool) -> String? {
        let limit = dnsLabel ? 63 : 253
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || (!dnsLabel && byte == 0x2E)
        }
        let edges = name.first.map { $0.isLetter || $0.isNumber } == true && name.last.map { $0.isLetter || $0.isNumber } == true
        if name.utf8.count <= limit, allowed, edges { return nil }
        if dnsLabel {
            return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
                + "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
                + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
        }
        return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
            + "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
            + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    }

    static func isConfigKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.count <= 253 && key != "." && key != ".."
            && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    static func labelText(_ labels: JSONObject) -> String {
        "map[" + labels.members.map { "\($0.key):\($0.value.stringValue ?? "")" }.sorted().joined(separator: " ") + "]"
    }
}
