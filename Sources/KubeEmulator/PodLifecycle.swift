import KubeAPI

/// What the rest of a cluster would do after a create: schedule and start pods, fill new namespaces.
extension EmulatedAPIServer {
    static let nodeName = "emulator-node"

    func afterCreate(_ type: ResourceType, _ object: JSONValue) async {
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        switch type.resource {
        case "namespaces":
            _ = try? await createObject(ResourceCatalog.serviceaccounts, namespace: name, object: ["metadata": ["name": "default"]])
            _ = try? await createObject(
                ResourceCatalog.configmaps, namespace: name,
                object: ["metadata": ["name": "kube-root-ca.crt"], "data": ["ca.crt": "emulated cluster CA"]])
        case "pods":
            let namespace = object[path: ["metadata", "namespace"]]?.stringValue ?? ""
            let uid = object[path: ["metadata", "uid"]]?.stringValue ?? ""
            let delay = options.podStartDelay
            Task {
                try? await Task.sleep(for: delay)
                await self.startPod(namespace: namespace, name: name, uid: uid)
            }
        default:
            break
        }
    }

    /// Pending → Running: node, IPs, ready containers, and the events a kubelet would post.
    func startPod(namespace: String, name: String, uid: String) async {
        let now = KubernetesTime.rfc3339(microseconds: KubernetesTime.nowMicroseconds())
        let ipSuffix = UInt8.random(in: 2...250)
        let started = try? await store.update(ResourceCatalog.pods, namespace: namespace, name: name) { current throws(KubernetesStatus) in
            guard current[path: ["metadata", "uid"]]?.stringValue == uid else { return current }
            var pod = current
            pod[path: ["metadata", "resourceVersion"]] = nil
            pod[path: ["spec", "nodeName"]] = .string(Self.nodeName)
            let containers = pod[path: ["spec", "containers"]]?.arrayValue ?? []
            let conditions: [JSONValue] = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].map {
                ["type": .string($0), "status": "True", "lastProbeTime": .null, "lastTransitionTime": .string(now)]
            }
            pod["status"] = .object(JSONObject([
                "phase": "Running", "conditions": .array(conditions), "hostIP": "10.0.0.1",
                "hostIPs": [["ip": "10.0.0.1"]], "podIP": .string("10.244.0.\(ipSuffix)"),
                "podIPs": [["ip": .string("10.244.0.\(ipSuffix)")]], "startTime": .string(now),
                "containerStatuses": .array(containers.map { container in
                    [
                        "name": container["name"] ?? "", "state": ["running": ["startedAt": .string(now)]],
                        "lastState": [:], "ready": true, "restartCount": 0, "image": container["image"] ?? "",
                        "imageID": .string("emulator://" + (container["image"]?.stringValue ?? "")),
                        "containerID": .string("emulator://" + UUIDText.random().replacing("-", with: "")), "started": true,
                    ]
                }),
                "qosClass": "BestEffort",
            ]))
            return pod
        }
        guard let started, started[path: ["metadata", "uid"]]?.stringValue == uid else { return }
        for (reason, message) in [
            ("Scheduled", "Successfully assigned \(namespace)/\(name) to \(Self.nodeName)"),
            ("Pulled", "Container image already present on machine"),
            ("Created", "Created container"), ("Started", "Started container"),
        ] {
            await postEvent(about: started, reason: reason, message: message, timestamp: now,
                            component: reason == "Scheduled" ? "default-scheduler" : "kubelet")
        }
    }

    func postEvent(about object: JSONValue, reason: String, message: String, timestamp: String, component: String) async {
        let namespace = object[path: ["metadata", "namespace"]]?.stringValue ?? "default"
        let event: JSONValue = [
            "metadata": ["generateName": .string((object[path: ["metadata", "name"]]?.stringValue ?? "object") + ".")],
            "involvedObject": [
                "kind": object["kind"] ?? "", "namespace": .string(namespace), "name": object[path: ["metadata", "name"]] ?? "",
                "uid": object[path: ["metadata", "uid"]] ?? "", "apiVersion": object["apiVersion"] ?? "",
                "resourceVersion": object[path: ["metadata", "resourceVersion"]] ?? "",
            ],
            "reason": .string(reason), "message": .string(message),
            "source": ["component": .string(component), "host": .string(Self.nodeName)],
            "firstTimestamp": .string(timestamp), "lastTimestamp": .string(timestamp), "count": 1, "type": "Normal",
            "eventTime": .null, "reportingComponent": .string(component), "reportingInstance": .string(Self.nodeName),
        ]
        _ = try? await createObject(ResourceCatalog.events, namespace: namespace, object: event)
    }
}
