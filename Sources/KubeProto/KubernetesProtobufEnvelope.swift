/// The Kubernetes protobuf envelope: `runtime.Unknown` after the `k8s\0` magic.
///
/// `raw` holds the object's own protobuf message (e.g. a `v1.Secret`), without TypeMeta.
public struct KubernetesProtobufEnvelope: Sendable, Equatable {
    /// TypeMeta apiVersion, e.g. `v1` or `apps/v1`.
    public var apiVersion: String
    /// TypeMeta kind, e.g. `Secret`.
    public var kind: String
    /// The object's message bytes.
    public var raw: [UInt8]
    /// Empty for every body kubectl and kube-apiserver exchange.
    public var contentEncoding: String
    /// Empty for every body kubectl and kube-apiserver exchange (meaning protobuf).
    public var contentType: String

    public init(apiVersion: String, kind: String, raw: [UInt8], contentEncoding: String = "", contentType: String = "") {
        self.apiVersion = apiVersion
        self.kind = kind
        self.raw = raw
        self.contentEncoding = contentEncoding
        self.contentType = contentType
    }
}
