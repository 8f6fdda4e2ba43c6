import Audit
import Foundation

/// A deterministic source of realistic audit events, for tests and benchmarks.
///
/// Shaped like a busy fleet: many users over many clusters, mostly reads, a few writes with
/// request bodies, some denials. The same seed always gives the same events.
public struct SyntheticTrail: Sendable {
    public struct Shape: Sendable {
        public var users = 2000
        public var clusters = 200
        public var namespaces = 50
        /// Fraction of requests denied by policy.
        public var denialRate = 0.05
        /// Fraction of requests that write (create/update/patch/delete/deletecollection).
        public var writeRate = 0.02
        /// Fraction of events that carry a request body (Request level).
        public var bodyRate = 0.10
        public var start = Date(timeIntervalSince1970: 1_790_000_000)
        /// Spread of the events' times after `start`...
        public var span: TimeInterval = 3600
        /// ...over this many events: event i is at `start + span * i / spreadOver`.
        public var spreadOver = 1_000_003

        public init() {}
    }

    public var shape: Shape
    private var rng: SplitMix64

    public init(seed: UInt64 = 42, shape: Shape = Shape()) {
        self.shape = shape
        self.rng = SplitMix64(seed: seed)
    }

    static let readVerbs = ["get", "list", "watch"]
    static let writeVerbs = ["create", "update", "patch", "delete", "deletecollection"]
    static let resources: [(group: String?, version: String, resource: String)] = [
        (nil, "v1", "pods"), (nil, "v1", "services"), (nil, "v1", "configmaps"), (nil, "v1", "secrets"),
        (nil, "v1", "events"), ("apps", "v1", "deployments"), (nil, "v1", "serviceaccounts"),
    ]
    static let commands = ["kubectl get", "kubectl describe", "kubectl apply", "kubectl logs", "kubectl delete"]

    public mutating func next(index: Int) -> AuditEvent {
        let user = Int(rng.next() % UInt64(shape.users))
        let cluster = Int(rng.next() % UInt64(shape.clusters))
        let namespace = "ns-\(rng.next() % UInt64(shape.namespaces))"
        let isWrite = rng.unit() < shape.writeRate
        let denied = rng.unit() < shape.denialRate
        let verb = isWrite ? Self.writeVerbs[Int(rng.next() % 5)] : Self.readVerbs[Int(rng.next() % 3)]
        let res = Self.resources[Int(rng.next() % UInt64(Self.resources.count))]
        let name = verb == "list" || verb == "watch" || verb == "create" || verb == "deletecollection" ? nil : "web-\(rng.next() % 10_000)"
        let prefix = res.group.map { "/apis/\($0)/\(res.version)" } ?? "/api/\(res.version)"
        let uri = "\(prefix)/namespaces/\(namespace)/\(res.resource)" + (name.map { "/" + $0 } ?? "") + (verb == "list" ? "?limit=500" : verb == "watch" ? "?watch=true&resourceVersion=\(rng.next() % 1_000_000)" : "")
        let offset = shape.span * Double(index % shape.spreadOver) / Double(shape.spreadOver) + rng.unit()
        let received = shape.start.addingTimeInterval(offset)
        let latency = Int64(500 + rng.next() % 20_000)
        let status: Int32 = denied ? 403 : (verb == "create" ? 201 : 200)
        let json = #"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"\#(name ?? "web")","namespace":"\#(namespace)","labels":{"app":"web","tier":"frontend"}},"spec":{"containers":[{"name":"web","image":"nginx:1.27","ports":[{"containerPort":80,"protocol":"TCP"}],"resources":{}}],"restartPolicy":"Always"}}"#
        // Writes carry the object they send; a fraction of reads keep the object they got back.
        let sendsObject = ["create", "update", "patch"].contains(verb)
        let keepsResponse = !sendsObject && !denied && rng.unit() < shape.bodyRate
        let body = sendsObject ? Payload(contentType: "application/json", bytes: Array(json.utf8)) : nil
        let responseBody = keepsResponse ? Payload(contentType: "application/json", bytes: Array(json.utf8)) : nil
        let session = UUID(uuid: uuidBytes(seed: UInt64(user) &* 7919 &+ UInt64(index / 50)))
        return AuditEvent(
            auditID: UUID.timeOrdered(at: received, using: &rng),
            stage: .responseComplete,
            level: responseBody != nil ? .requestResponse : body != nil ? .request : .metadata,
            verb: verb,
            requestURI: uri,
            user: UserInfo(username: "user-\(user)@example.com", groups: ["system:authenticated", "team-\(user % 40)"]),
            sourceIPs: ["10.\(user % 250).\(cluster % 250).\(1 + user % 200)"],
            userAgent: "kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07",
            objectRef: ObjectReference(apiGroup: res.group, apiVersion: res.version, resource: res.resource, namespace: namespace, name: name),
            responseStatus: ResponseStatus(code: status),
            requestReceivedTimestamp: received,
            stageTimestamp: received.addingTimeInterval(Double(latency) / 1_000_000),
            cluster: "cluster-\(cluster)",
            authenticationMethod: .x509,
            credentialID: String(user &* 2_654_435_761 % 0xffff_ffff, radix: 16),
            decision: denied ? .deny : .allow,
            decisionRule: denied ? "default-deny" : "role:team-\(user % 40)/\(isWrite ? "edit" : "view")",
            latencyMicroseconds: latency,
            bytesIn: Int64(body?.bytes.count ?? 0),
            bytesOut: Int64(200 + rng.next() % 8000),
            connectionID: "conn-\(user)-\(index / 20)",
            kubectlSession: session.uuidString.lowercased(),
            kubectlCommand: Self.commands[Int(rng.next() % UInt64(Self.commands.count))],
            requestBody: body,
            responseBody: responseBody
        )
    }

    private func uuidBytes(seed: UInt64) -> uuid_t {
        var g = SplitMix64(seed: seed)
        let a = g.next(), b = g.next()
        return (UInt8(truncatingIfNeeded: a), UInt8(truncatingIfNeeded: a >> 8), UInt8(truncatingIfNeeded: a >> 16), UInt8(truncatingIfNeeded: a >> 24),
                UInt8(truncatingIfNeeded: a >> 32), UInt8(truncatingIfNeeded: a >> 40), 0x40 | UInt8(truncatingIfNeeded: a >> 48) & 0x0f, UInt8(truncatingIfNeeded: a >> 56),
                0x80 | UInt8(truncatingIfNeeded: b) & 0x3f, UInt8(truncatingIfNeeded: b >> 8), UInt8(truncatingIfNeeded: b >> 16), UInt8(truncatingIfNeeded: b >> 24),
                UInt8(truncatingIfNeeded: b >> 32), UInt8(truncatingIfNeeded: b >> 40), UInt8(truncatingIfNeeded: b >> 48), UInt8(truncatingIfNeeded: b >> 56))
    }
}
