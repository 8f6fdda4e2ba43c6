import KubeAPI

/// The Kubernetes API of the emulator: authentication, impersonation, authorization, routing.
///
/// Transport-free: the NIO layer hands it decoded requests and writes what it answers, so every
/// rule here is testable without sockets.
public final class EmulatedAPIServer: Sendable {
    public let store: ObjectStore
    public let options: EmulatorOptions
    let requestLog: RequestLog?
    let clusterIPs = ClusterIPAllocator()

    public init(options: EmulatorOptions, requestLog: RequestLog? = nil) async {
        self.options = options
        self.store = ObjectStore()
        self.requestLog = requestLog
        await seed()
    }

    /// The objects a new cluster has: the system namespaces, their default service accounts,
    /// the `kubernetes` service.
    private func seed() async {
        for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            _ = try? await createObject(ResourceCatalog.namespaces, namespace: "", object: ["metadata": ["name": .string(name)]])
        }
        _ = try? await createObject(
            ResourceCatalog.services, namespace: "default",
            object: [
                "metadata": ["name": "kubernetes", "labels": ["component": "apiserver", "provider": "kubernetes"]],
                "spec": ["ports": [["name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443]]],
            ])
    }

    /// Answers one request. `certificateUser` is the identity of a verified client certificate.
    public func handle(_ incoming: EmulatorRequest, certificateUser: UserIdentity?) async -> EmulatorResponse {
        var request = incoming
        let response: EmulatorResponse
        var impersonated: UserIdentity?
        do {
            request.caller = try authenticate(request, certificateUser: certificateUser)
            impersonated = try impersonation(request)
            request.effectiveUser = impersonated ?? request.caller
            try authorize(request)
            response = try await route(request)
        } catch let status as KubernetesStatus {
            response = .status(status)
        } catch {
            response = .status(.internalError("\(error)"))
        }
        await requestLog?.record(request, authenticated: request.caller.name.isEmpty ? nil : request.caller,
                                 impersonated: impersonated, status: response.statusCode)
        return response
    }

    // MARK: authentication, impersonation, authorization

    func authenticate(_ request: EmulatorRequest, certificateUser: UserIdentity?) throws(KubernetesStatus) -> UserIdentity {
        if let certificateUser { return Self.withAuthenticated(certificateUser) }
        if let authorization = request.header("authorization") {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer", let user = options.tokens[String(parts[1])] {
                return Self.withAuthenticated(user)
            }
        }
        throw KubernetesStatus.unauthorized()
    }

    static func withAuthenticated(_ user: UserIdentity) -> UserIdentity {
        var user = user
        if !user.groups.contains("system:authenticated") { user.groups.append("system:authenticated") }
        return user
    }

    /// The identity `Impersonate-*` headers ask for, if the caller may take it; 403 if not.
    func impersonation(_ request: EmulatorRequest) throws(KubernetesStatus) -> UserIdentity? {
        let users = request.headerValues("impersonate-user")
        let groups = request.headerValues("impersonate-group")
        let extras = request.headers.filter { $0.0.hasPrefix("impersonate-extra-") }
        let uid = request.headerValues("impersonate-uid")
        if users.isEmpty {
            if !groups.isEmpty || !extras.isEmpty || !uid.isEmpty {
                throw KubernetesStatus.badRequest("requested \(groups.isEmpty ? "extra" : "groups") without impersonating a user")
            }
            return nil
        }
        guard users.count == 1 else { throw KubernetesStatus.badRequest("only one Impersonate-User header is allowed") }
        let caller = request.caller
        func check(_ resource: String, name: String) throws(KubernetesStatus) {
            if let policy = options.policy,
                !policy.allows(caller, verb: "impersonate", group: "", resource: resource, subresource: "", namespace: "")
            {
                throw KubernetesStatus.forbidden(user: caller.name, verb: "impersonate", resource: resource, group: "",
                                                 name: name, namespace: nil)
            }
        }
        try check("users", name: users[0])
        for group in groups { try check("groups", name: group) }
        var extra: [String: [String]] = [:]
        for (name, value) in extras {
            let key = EmulatorRequest.percentDecode(String(name.dropFirst("impersonate-extra-".count))) ?? ""
            try check("userextras", name: value)
            extra[key, default: []].append(value)
        }
        var effective = UserIdentity(name: users[0], groups: groups, extra: extra)
        if effective.name != "system:anonymous" { effective = Self.withAuthenticated(effective) }
        return effective
    }

    func authorize(_ request: EmulatorRequest) throws(KubernetesStatus) {
        guard let policy = options.policy else { return }
        let info = request.info
        guard info.isResourceRequest else { return }
        if !policy.allows(request.effectiveUser, verb: info.verb, group: info.apiGroup, resource: info.resource,
                          subresource: info.subresource, namespace: info.namespace)
        {
            throw KubernetesStatus.forbidden(
                user: request.effectiveUser.name, verb: info.verb, resource: info.resource, subresource: info.subresource,
                group: info.apiGroup, name: info.name, namespace: info.namespace)
        }
    }

    // MARK: routing

    func route(_ request: EmulatorRequest) async throws -> EmulatorResponse {
        let info = request.info
        if !info.isResourceRequest { return try nonResource(request) }
        guard let type = ResourceCatalog.lookup(group: info.apiGroup, version: info.apiVersion, resource: info.resource) else {
            // `/api/v1` and `/apis/apps/v1` themselves resolve with no resource.
            throw KubernetesStatus.pageNotFound()
        }
        if type.namespaced == false, info.namespace != "", type != ResourceCatalog.namespaces {
            throw KubernetesStatus.pageNotFound()
        }
        switch info.subresource {
        case "":
            return try await resourceRequest(request, type: type)
        case "status":
            return try await statusRequest(request, type: type)
        case "log" where type == ResourceCatalog.pods:
            guard info.verb == "get" else { throw KubernetesStatus.methodNotAllowed() }
            return try await podLog(request)
        case "exec", "attach", "portforward":
            guard type == ResourceCatalog.pods else { throw KubernetesStatus.pageNotFound() }
            // Reaching here means the connection was not upgraded: say why, as the apiserver would.
            _ = try await connectTarget(request)
            throw KubernetesStatus.badRequest("Upgrade request required")
        default:
            throw KubernetesStatus.pageNotFound()
        }
    }

    func nonResource(_ request: EmulatorRequest) throws -> EmulatorResponse {
        let path = request.path.count > 1 && request.path.hasSuffix("/") ? String(request.path.dropLast()) : request.path
        guard request.method == "GET" || request.method == "HEAD" else { throw KubernetesStatus.methodNotAllowed() }
        let accept = MediaType.parseAccept(request.header("accept"))
        switch path {
        case "/version":
            return .json(DiscoveryDocuments.version(options.serverVersion))
        case "/healthz", "/livez", "/readyz":
            return .full(status: 200, headers: [("content-type", "text/plain; charset=utf-8")], body: Array("ok".utf8))
        case "/api":
            if DiscoveryDocuments.wantsAggregated(accept) {
                return .json(DiscoveryDocuments.aggregated(core: true), contentType: DiscoveryDocuments.aggregatedContentType)
            }
            return .json(DiscoveryDocuments.apiVersions(serverAddress: request.header("host") ?? options.externalAddress))
        case "/apis":
            if DiscoveryDocuments.wantsAggregated(accept) {
                return .json(DiscoveryDocuments.aggregated(core: false), contentType: DiscoveryDocuments.aggregatedContentType)
            }
            return .json(DiscoveryDocuments.apiGroupList())
        default:
            break
        }
        let parts = RequestInfoResolver.splitPath(path)
        if parts.count == 2, parts[0] == "api", let list = DiscoveryDocuments.resourceList(group: "", version: parts[1]) {
            return .json(list)
        }
        if parts.count == 2, parts[0] == "apis", ResourceCatalog.groupVersions.contains(where: { $0.group == parts[1] }) {
            return .json(DiscoveryDocuments.apiGroup(parts[1]))
        }
        if parts.count == 3, parts[0] == "apis", let list = DiscoveryDocuments.resourceList(group: parts[1], version: parts[2]) {
            return .json(list)
        }
        if parts.first == "openapi" { return try OpenAPIDocuments.response(path: parts, request: request) }
        throw KubernetesStatus.pageNotFound()
    }
}

/// Hands out Service cluster IPs from 10.96.0.0/12, as the apiserver's allocator does.
final class ClusterIPAllocator: Sendable {
    private let next = AtomicCounter(start: 10)

    func allocate() -> String {
        let value = next.increment()
        return "10.96.\(value / 250 % 250).\(value % 250 + 1)"
    }
}
