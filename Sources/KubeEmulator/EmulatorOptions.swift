/// How the emulated cluster behaves; the executable's flags set these.
public struct EmulatorOptions: Sendable {
    /// The version `/version` reports.
    public var serverVersion = "v1.36.0"
    /// How long a new pod stays Pending before it is Running.
    public var podStartDelay: Duration = .milliseconds(300)
    /// Bytes of deterministic log each container has unless its pod's annotation says otherwise.
    public var logBytes = 4096
    /// How often `logs -f` adds a line once the existing log is sent.
    public var logFollowInterval: Duration = .seconds(1)
    /// How often a watch that allows bookmarks gets one.
    public var bookmarkInterval: Duration = .seconds(10)
    /// Bearer tokens accepted, and whom each authenticates.
    public var tokens: [String: UserIdentity] = [:]
    /// RBAC for the effective user; nil allows every authenticated caller everything.
    public var policy: AccessPolicy?
    /// The address clients reach the server at (for `/api`'s serverAddressByClientCIDRs).
    public var externalAddress = "127.0.0.1:6443"
    /// Where pods' private directories live (exec runs there).
    public var podRoot = "/tmp/kube-emulator-pods"
    /// Request bodies larger than this are refused with 413 (kube-apiserver's limit is 3 MiB).
    public var maxRequestBodyBytes = 3 * 1024 * 1024
    /// Responses at least this large are gzip-encoded for clients that accept it (as the apiserver does).
    public var gzipThresholdBytes = 128 * 1024

    public init() {}

    /// The pod annotation that sets a container's log size in bytes, e.g. for a 1 GB stream.
    public static let logBytesAnnotation = "kube-emulator.kubetrail.dev/log-bytes"
}
