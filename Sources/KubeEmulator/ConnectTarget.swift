import KubeAPI

/// An admitted exec, attach or port-forward: who asked, which pod, which container, what to run.
public struct ConnectTarget: Sendable {
    public var request: EmulatorRequest
    public var pod: JSONValue
    public var subresource: String
    public var container: String
    /// exec's `command` parameters, in order.
    public var command: [String]
    public var stdin: Bool
    public var stdout: Bool
    public var stderr: Bool
    public var tty: Bool

    public var namespace: String { request.info.namespace }
    public var podName: String { request.info.name }
}

extension EmulatedAPIServer {
    /// Checks a connect request fully (authentication, impersonation, RBAC, pod, container,
    /// command) and returns what to run; throws the Status a refusal gets.
    func connectTarget(_ request: EmulatorRequest) async throws -> ConnectTarget {
        let info = request.info
        guard info.isConnect else { throw KubernetesStatus.pageNotFound() }
        let pod = try await store.get(ResourceCatalog.pods, namespace: info.namespace, name: info.name)
        let containers = (pod[path: ["spec", "containers"]]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        var container = containers.first ?? ""
        if let wanted = request.queryValue("container"), !wanted.isEmpty {
            guard containers.contains(wanted) else {
                throw KubernetesStatus.badRequest("container \(wanted) is not valid for pod \(info.name)")
            }
            container = wanted
        }
        if info.subresource != "portforward", pod[path: ["status", "phase"]]?.stringValue != "Running" {
            throw KubernetesStatus.badRequest("unable to upgrade connection: container not found (\"\(container)\")")
        }
        let command = request.query.filter { $0.0 == "command" }.map(\.1)
        if info.subresource == "exec", command.isEmpty {
            throw KubernetesStatus.badRequest("you must specify at least 1 command")
        }
        let stdin = request.queryFlag("stdin")
        let stdout = request.queryFlag("stdout")
        let stderr = request.queryFlag("stderr")
        let tty = request.queryFlag("tty")
        if info.subresource != "portforward", !stdin, !stdout, !stderr {
            throw KubernetesStatus.badRequest("you must specify at least 1 of stdin, stdout, stderr")
        }
        return ConnectTarget(request: request, pod: pod, subresource: info.subresource, container: container,
                             command: command, stdin: stdin, stdout: stdout, stderr: stderr && !tty, tty: tty)
    }

    /// Admits an upgrade request, logging it as switched (101); nil when it must be answered as
    /// plain HTTP instead (the request handler then gives the refusal's Status).
    public func admitConnect(_ incoming: EmulatorRequest, certificateUser: UserIdentity?) async -> ConnectTarget? {
        var request = incoming
        do {
            request.caller = try authenticate(request, certificateUser: certificateUser)
            let impersonated = try impersonation(request)
            request.effectiveUser = impersonated ?? request.caller
            try authorize(request)
            let target = try await connectTarget(request)
            await requestLog?.record(request, authenticated: request.caller, impersonated: impersonated, status: 101)
            return target
        } catch {
            return nil
        }
    }
}
