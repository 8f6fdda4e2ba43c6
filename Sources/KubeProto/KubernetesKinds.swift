import SwiftProtobuf

/// The apiVersion/kind pairs this module transcodes, and their generated message types.
enum KubernetesKinds {
    /// apiVersions under which the metav1 kinds (Status, DeleteOptions, WatchEvent) appear:
    /// apimachinery registers them in every group version.
    static let metaAPIVersions: Set<String> = ["v1", "apps/v1", "meta.k8s.io/v1"]

    static func messageType(apiVersion: String, kind: String) -> (any SwiftProtobuf.Message.Type)? {
        if metaAPIVersions.contains(apiVersion) {
            switch kind {
            case "Status": return MetaV1_Status.self
            case "DeleteOptions": return MetaV1_DeleteOptions.self
            case "WatchEvent": return MetaV1_WatchEvent.self
            default: break
            }
        }
        switch (apiVersion, kind) {
        case ("v1", "List"): return MetaV1_List.self
        case ("v1", "Namespace"): return CoreV1_Namespace.self
        case ("v1", "NamespaceList"): return CoreV1_NamespaceList.self
        case ("v1", "Pod"): return CoreV1_Pod.self
        case ("v1", "PodList"): return CoreV1_PodList.self
        case ("v1", "Service"): return CoreV1_Service.self
        case ("v1", "ServiceList"): return CoreV1_ServiceList.self
        case ("v1", "ConfigMap"): return CoreV1_ConfigMap.self
        case ("v1", "ConfigMapList"): return CoreV1_ConfigMapList.self
        case ("v1", "Secret"): return CoreV1_Secret.self
        case ("v1", "SecretList"): return CoreV1_SecretList.self
        case ("v1", "ServiceAccount"): return CoreV1_ServiceAccount.self
        case ("v1", "ServiceAccountList"): return CoreV1_ServiceAccountList.self
        case ("v1", "Event"): return CoreV1_Event.self
        case ("v1", "EventList"): return CoreV1_EventList.self
        case ("apps/v1", "Deployment"): return AppsV1_Deployment.self
        case ("apps/v1", "DeploymentList"): return AppsV1_DeploymentList.self
        default: return nil
        }
    }

    static func unsupported(apiVersion: String, kind: String, path: String = "") -> KubernetesProtobufError {
        KubernetesProtobufError(
            .unsupportedKind,
            path: path,
            "unsupported apiVersion/kind \"\(apiVersion)\"/\"\(kind)\" for Kubernetes protobuf"
        )
    }
}
