import KubeAPI

/// The fields kube-apiserver fills in on create, so clients read back what they would from a
/// real cluster (uid, timestamps, defaults such as a Service's clusterIP).
struct ObjectDefaulting {
    var nowMicroseconds: Int64
    var random: @Sendable (Int) -> String
    var nextClusterIP: () -> String

    /// Metadata for a new object: name from generateName, uid, creationTimestamp, namespace.
    func newMetadata(_ object: inout JSONValue, type: ResourceType, namespace: String) {
        var metadata = object["metadata"]?.objectValue ?? JSONObject()
        if (metadata["name"]?.stringValue ?? "").isEmpty, let prefix = metadata["generateName"]?.stringValue, !prefix.isEmpty {
            metadata["name"] = .string(prefix + random(5))
        }
        if type.namespaced { metadata["namespace"] = .string(namespace) } else { metadata["namespace"] = nil }
        metadata["uid"] = .string(UUIDText.random())
        metadata["resourceVersion"] = nil
        metadata["creationTimestamp"] = .string(KubernetesTime.rfc3339(microseconds: nowMicroseconds))
        metadata["deletionTimestamp"] = nil
        if type == ResourceCatalog.deployments { metadata["generation"] = .int(1) }
        var ordered = JSONObject()
        for key in ["name", "generateName", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp"] {
            if let value = metadata[key] { ordered[key] = value }
        }
        for member in metadata.members where ordered[member.key] == nil { ordered[member.key] = member.value }
        object["metadata"] = .object(ordered)
        object["apiVersion"] = .string(type.apiVersion)
        object["kind"] = .string(type.kind)
        object = Self.typeMetaFirst(object)
    }

    /// Kind-specific defaults.
    func applyDefaults(_ object: inout JSONValue, type: ResourceType) {
        switch type.resource {
        case "pods":
            if var spec = object["spec"] { Self.defaultPodSpec(&spec); object["spec"] = spec }
            object["status"] = .object(JSONObject([
                "phase": "Pending", "qosClass": "BestEffort",
                "conditions": [["type": "PodScheduled", "status": "True", "lastProbeTime": .null,
                                "lastTransitionTime": .string(KubernetesTime.rfc3339(microseconds: nowMicroseconds))]],
            ]))
        case "deployments":
            if object[path: ["spec", "replicas"]] == nil { object[path: ["spec", "replicas"]] = 1 }
            if object[path: ["spec", "strategy"]] == nil {
                object[path: ["spec", "strategy"]] = [
                    "type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": "25%", "maxSurge": "25%"],
                ]
            }
            if object[path: ["spec", "revisionHistoryLimit"]] == nil { object[path: ["spec", "revisionHistoryLimit"]] = 10 }
            if object[path: ["spec", "progressDeadlineSeconds"]] == nil { object[path: ["spec", "progressDeadlineSeconds"]] = 600 }
            if var spec = object[path: ["spec", "template", "spec"]] {
                Self.defaultPodSpec(&spec)
                object[path: ["spec", "template", "spec"]] = spec
            }
            Self.deploymentStatus(&object)
        case "services":
            var spec = object["spec"] ?? .object(JSONObject())
            if spec["type"] == nil { spec["type"] = "ClusterIP" }
            if spec["sessionAffinity"] == nil { spec["sessionAffinity"] = "None" }
            if spec["type"]?.stringValue != "ExternalName", spec["clusterIP"] == nil {
                let ip = nextClusterIP()
                spec["clusterIP"] = .string(ip)
                spec["clusterIPs"] = [.string(ip)]
                spec["ipFamilies"] = ["IPv4"]
                spec["ipFamilyPolicy"] = "SingleStack"
                spec["internalTrafficPolicy"] = "Cluster"
            }
            if case .array(let ports) = spec["ports"] {
                spec["ports"] = .array(ports.map { port in
                    var port = port
                    if port["protocol"] == nil { port["protocol"] = "TCP" }
                    if port["targetPort"] == nil, let number = port["port"] { port["targetPort"] = number }
                    return port
                })
            }
            object["spec"] = spec
            object["status"] = ["loadBalancer": [:]]
        case "secrets":
            if object["type"] == nil { object["type"] = "Opaque" }
            Self.foldStringData(&object)
        case "namespaces":
            object["spec"] = ["finalizers": ["kubernetes"]]
            object["status"] = ["phase": "Active"]
            var labels = object[path: ["metadata", "labels"]]?.objectValue ?? JSONObject()
            labels["kubernetes.io/metadata.name"] = object[path: ["metadata", "name"]]
            object[path: ["metadata", "labels"]] = .object(labels)
        default:
            break
        }
    }

    /// `stringData` merges into `data` (base64), as the apiserver does for Secrets.
    static func foldStringData(_ object: inout JSONValue) {
        guard let stringData = object["stringData"]?.objectValue else { return }
        var data = object["data"]?.objectValue ?? JSONObject()
        for member in stringData.members {
            data[member.key] = .string(Base64.encode(Array((member.value.stringValue ?? "").utf8)))
        }
        object["data"] = .object(data)
        object["stringData"] = nil
    }

    static func defaultPodSpec(_ spec: inout JSONValue) {
        if spec["restartPolicy"] == nil { spec["restartPolicy"] = "Always" }
        if spec["terminationGracePeriodSeconds"] == nil { spec["terminationGracePeriodSeconds"] = 30 }
        if spec["dnsPolicy"] == nil { spec["dnsPolicy"] = "ClusterFirst" }
        if spec["schedulerName"] == nil { spec["schedulerName"] = "default-scheduler" }
        if spec["serviceAccountName"] == nil { spec["serviceAccountName"] = "default" }
        if spec["securityContext"] == nil { spec["securityContext"] = [:] }
        if case .array(let containers) = spec["containers"] {
            spec["containers"] = .array(containers.map { container in
                var container = container
                if container["imagePullPolicy"] == nil {
                    let image = container["image"]?.stringValue ?? ""
                    let tag = image.split(separator: "/").last.flatMap { $0.split(separator: ":").dropFirst().first }
                    container["imagePullPolicy"] = (tag == nil || tag == "latest") ? "Always" : "IfNotPresent"
                }
                if container["terminationMessagePath"] == nil { container["terminationMessagePath"] = "/dev/termination-log" }
                if container["terminationMessagePolicy"] == nil { container["terminationMessagePolicy"] = "File" }
                if container["resources"] == nil { container["resources"] = [:] }
                return container
            })
        }
    }

    /// A Deployment's status as if its rollout finished: every replica ready.
    static func deploymentStatus(_ object: inout JSONValue) {
        let replicas = object[path: ["spec", "replicas"]]?.intValue ?? 1
        let generation = object[path: ["metadata", "generation"]]?.intValue ?? 1
        var status = JSONObject()
        status["observedGeneration"] = .int(generation)
        if replicas > 0 {
            for key in ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas"] { status[key] = .int(replicas) }
        }
        status["conditions"] = [
            ["type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
             "message": "Deployment has minimum availability."],
            ["type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
             "message": .string("ReplicaSet \"\(object[path: ["metadata", "name"]]?.stringValue ?? "")\" has successfully progressed.")],
        ]
        object["status"] = .object(status)
    }

    /// The object with `apiVersion` and `kind` first, then `metadata`, as Go's structs order them.
    static func typeMetaFirst(_ object: JSONValue) -> JSONValue {
        guard let members = object.objectValue?.members else { return object }
        var ordered = JSONObject()
        for key in ["kind", "apiVersion", "metadata"] { if let value = object[key] { ordered[key] = value } }
        for member in members where ordered[member.key] == nil { ordered[member.key] = member.value }
        return .object(ordered)
    }
}
