import AsyncHTTPClient
import Audit
import Foundation
import KubeAPI
import Logging
import NIOCore
import NIOHTTP1
import ProxyIdentity

/// One request through the proxy: authenticate, route, authorize, audit (before access),
/// forward with the proxy's own credentials as the caller, stream the answer back, audit again.
struct ProxyExchange: Sendable {
    let core: ProxyCore
    /// The clusters and policy as they were when the request arrived (a reload does not change them mid-request).
    let routing: ProxyCore.Routing
    /// The routing's cluster the request names, counted in use from the moment the routing was
    /// taken (`ProxyCore.claimRouting`) until `serve` ends; nil when it names none.
    let cluster: UpstreamCluster?
    /// The cluster and upstream target the request's target names, parsed once when it arrived.
    let route: Result<ClusterRoute, ClusterRoute.Refusal>
    let facts: ConnectionFacts
    let head: HTTPRequestHead
    /// Read whole only where the trail needs it before access (a create's name, a level that
    /// stores bodies); otherwise forwarded as it arrives.
    let body: RequestBody
    let writer: ResponseWriter

    func serve() async {
        defer { cluster?.requestFinished() }
        let inFlight = ProxyMetrics.inFlight()
        inFlight.increment()
        let started = ContinuousClock.now
        let outcome = await exchange(started: started)
        inFlight.decrement()
        ProxyMetrics.requestCompleted(cluster: outcome.cluster, clusterVersion: outcome.clusterVersion, verb: outcome.verb,
                                      code: outcome.code, duration: ContinuousClock.now - started)
    }

    /// What the request-duration metric is labelled with; cluster and verb are bounded (a caller's
    /// made-up cluster name or HTTP method becomes "unknown"/"other").
    struct Outcome {
        var cluster = "unknown"
        var clusterVersion = "unknown"
        var verb = "other"
        var code: Int
    }

    private func outcome(_ auditor: RequestAuditor, _ code: Int) -> Outcome {
        var outcome = Outcome(code: code)
        if let cluster = routing.clusters[auditor.cluster] {
            outcome.cluster = cluster.name
            outcome.clusterVersion = cluster.version
        }
        if let verb = auditor.info?.verb, Self.knownVerbs.contains(verb) { outcome.verb = verb }
        return outcome
    }

    static let knownVerbs: Set<String> = [
        "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "proxy",
        "head", "post", "put", "options", "connect",
    ]

    /// Records an event unless the audit policy omits its stage for the request; false when it
    /// could not be recorded and, under the `on_audit_failure` this request started with, must be refused.
    func record(_ event: AuditEvent, omitting omitted: Set<AuditEvent.Stage>) async -> Bool {
        if omitted.contains(event.stage) { return true }
        return await core.recorded(event) || routing.onAuditFailure == .allow
    }

    private func exchange(started: ContinuousClock.Instant) async -> Outcome {
        let headers = head.headers.map { ($0.name, $0.value) }
        var auditor = RequestAuditor(
            auditID: .timeOrdered(), received: Date(), cluster: "", method: head.method.rawValue, requestURI: head.uri,
            info: nil, caller: nil, impersonated: nil, sourceIP: facts.remoteAddress,
            userAgent: head.headers.first(name: "user-agent"), connectionID: facts.connectionID,
            kubectlSession: head.headers.first(name: "kubectl-session"), kubectlCommand: head.headers.first(name: "kubectl-command"))

        // Route first: the cluster name is part of every event, refusals included.
        let route: ClusterRoute
        do {
            route = try self.route.get()
        } catch {
            return outcome(auditor, await refuse(.pageNotFound(), auditor: auditor, decision: .deny, rule: "routing: \(error)"))
        }
        auditor.cluster = route.cluster
        let (path, query) = Self.split(route.upstreamTarget)
        auditor.info = RequestInfoResolver.resolve(method: head.method.rawValue, path: path, query: query)

        let caller: AuthenticatedCaller
        let authenticationStarted = ContinuousClock.now
        let authentication = await routing.hooks.authenticate(facts, headers)
        let method = facts.peerCertificateChain.isEmpty ? "bearer" : "x509"
        ProxyMetrics.identityValidated(method: method, succeeded: (try? authentication.get()) != nil,
                                       duration: ContinuousClock.now - authenticationStarted)
        switch authentication {
        case .success(let authenticated):
            caller = authenticated
        case .failure(let refusal):
            ProxyMetrics.authenticationFailed(reason: refusal.kind)
            return outcome(auditor, await refuse(.unauthorized(), auditor: auditor, decision: .unauthenticated, rule: refusal.reason))
        }
        auditor.caller = caller
        guard let cluster else {
            return outcome(auditor, await refuse(KubernetesStatus(code: 404, reason: "NotFound", message: "cluster \"\(route.cluster)\" not found"),
                                                 auditor: auditor, decision: .deny, rule: "routing: unknown cluster"))
        }
        let info = auditor.info!
        let upgrade = head.headers.first(name: "upgrade")
        if let upgrade, !Self.acceptedUpgrades.contains(upgrade.lowercased()) || !info.isConnect {
            return outcome(auditor, await refuse(
                .badRequest("upgrading to \"\(upgrade)\" is not supported; only websocket and SPDY/3.1 for exec, attach and portforward"),
                auditor: auditor, decision: .deny, rule: "upgrade: \(upgrade)"))
        }

        switch routing.hooks.impersonation(headers) {
        case .failure(let refusal):
            return outcome(auditor, await refuse(.badRequest(refusal.reason), auditor: auditor, decision: .deny, rule: "impersonation: \(refusal.reason)"))
        case .success(let asked?):
            let decision = routing.hooks.mayImpersonate(caller, route.cluster, asked)
            guard decision.allowed else {
                ProxyMetrics.denied(cluster: route.cluster, rule: decision.rule)
                return outcome(auditor, await refuse(
                    .forbidden(user: caller.user, verb: "impersonate", resource: "users", group: "", name: asked.user, namespace: nil),
                    auditor: auditor, decision: .deny, rule: decision.rule))
            }
            auditor.impersonated = asked
        case .success(nil):
            break
        }

        let effective = auditor.impersonated.map { AuthenticatedCaller(user: $0.user, groups: $0.groups, method: caller.method, credentialID: caller.credentialID) } ?? caller
        let decision = routing.hooks.authorize(effective, route.cluster, info)
        auditor.decisionRule = decision.rule
        // A create names its object in the body, not the URL; the trail names it, refused or not.
        // Authorization does not see it, as in Kubernetes (a create cannot be limited by name).
        var collected: [UInt8]?
        if info.verb == "create" && info.name.isEmpty && upgrade == nil {
            switch await collectBody(auditor: auditor, allowed: decision.allowed) {
            case .success(let bytes): collected = bytes
            case .failure(let refused): return outcome(auditor, refused.code)
            }
            if let createdName = ObjectNames.extract(collected ?? [])?.name { auditor.info?.name = createdName }
        }
        guard decision.allowed else {
            let status = info.isResourceRequest
                ? KubernetesStatus.forbidden(user: effective.user, verb: info.verb, resource: info.resource, subresource: info.subresource,
                                             group: info.apiGroup, name: info.name, namespace: info.namespace)
                : KubernetesStatus.forbidden(user: effective.user, verb: info.verb, path: path)
            ProxyMetrics.denied(cluster: route.cluster, rule: decision.rule)
            return outcome(auditor, await refuse(status, auditor: auditor, decision: .deny, rule: decision.rule))
        }
        let audit = routing.hooks.auditLevel(effective, route.cluster, info)
        (auditor.level, auditor.omitStages) = (audit.level, audit.omitStages)

        if upgrade != nil {
            guard body.isEmpty else {
                return outcome(auditor, await refuse(.badRequest("an upgrade request has no body"), auditor: auditor, decision: .deny, rule: "upgrade: with a body"))
            }
            auditor.interactiveSession = auditor.auditID.uuidString.lowercased()
        }
        if auditor.level >= .request, collected == nil, !body.isEmpty {
            switch await collectBody(auditor: auditor, allowed: true) {
            case .success(let bytes): collected = bytes
            case .failure(let refused): return outcome(auditor, refused.code)
            }
        }
        // Audit before access: in strict durability this returns once the event is on disk.
        // Bodies are redacted (parsed and rewritten) only when the level keeps them.
        let requestPayload = (collected ?? []).isEmpty || auditor.level < .request
            ? nil : Payload(contentType: head.headers.first(name: "content-type") ?? "", bytes: AuditRedaction.request(collected ?? [], info: info))
        if !(await record(auditor.event(stage: .requestReceived, requestBody: requestPayload), omitting: auditor.omitStages)) {
            await writer.status(.serviceUnavailable("the audit trail cannot record this request; refusing it (on_audit_failure: deny)"),
                                auditID: auditor.auditID)
            return outcome(auditor, 503)
        }

        if let upgrade {
            return outcome(auditor, await forwardUpgrade(upgrade, auditor: auditor, cluster: cluster, route: route, caller: effective, started: started))
        }
        var request = HTTPClientRequest(url: cluster.server + route.upstreamTarget)
        request.method = head.method
        do {
            let upstream = try ForwardedRequestHeaders(
                clientHeaders: headers.map { (name: $0.0, value: $0.1) }, impersonatingUser: effective.user,
                groups: effective.groups.filter { $0 != "system:authenticated" }, upstreamBearerToken: cluster.token,
                auditID: auditor.auditID.uuidString.lowercased(), clientAddress: facts.remoteAddress)
            request.headers = HTTPHeaders(upstream.fields.map { ($0.name, $0.value) })
        } catch {
            return outcome(auditor, await refuse(.badRequest("the request's headers cannot be forwarded: \(error)"),
                                                 auditor: auditor, decision: .deny, rule: "headers"))
        }
        if let collected {
            if !collected.isEmpty { request.body = .bytes(ByteBuffer(bytes: collected)) }
        } else {
            request.body = body.upstream()
        }

        var status = 502
        var bytesOut: Int64 = 0
        var captured: [UInt8] = []
        // Creates keep their answer too: with generateName only the answer has the object's name.
        let capture = auditor.level >= .requestResponse || (info.verb == "create" && (auditor.info?.name ?? "").isEmpty)
        var responseContentType = ""
        do {
            let response = try await (Self.answerIsUnbounded(info, query: query) ? cluster.streamingClient : cluster.client)
                .execute(request, timeout: .hours(24 * 365))
            ProxyMetrics.pooled(cluster: cluster.name, reused: !cluster.connections.claimNewConnection())
            status = Int(response.status.code)
            responseContentType = response.headers.first(name: "content-type") ?? ""
            var responseHeaders = response.headers.filter { !ResponseHeaders.hopByHop.contains($0.name.lowercased()) }.map { ($0.name, $0.value) }
            responseHeaders.removeAll { $0.0.lowercased() == "audit-id" }
            responseHeaders.append(("Audit-Id", auditor.auditID.uuidString.lowercased()))
            let longRunning = info.isLongRunning(query: query)
            // The proxy subresource may be a stream too (server-sent events from a pod): its parts are not held.
            try await writer.head(status: status, headers: responseHeaders, streams: longRunning || info.subresource == "proxy")
            if longRunning {
                _ = await record(auditor.event(stage: .responseStarted, status: ResponseStatus(code: Int32(status))), omitting: auditor.omitStages)
            }
            for try await chunk in response.body {
                bytesOut += Int64(chunk.readableBytes)
                if capture, captured.count < core.maximumCapturedBody { captured += chunk.readableBytesView.prefix(core.maximumCapturedBody - captured.count) }
                try await writer.body(chunk)
            }
            try await writer.end()
        } catch RequestBodyError.clientClosed {
            // The client left before its body ended; the trail says so (nginx's 499), unless the
            // cluster had answered already.
            if bytesOut == 0 && status == 502 { status = 499 }
            await writer.abort()
        } catch let error as HTTPClientError where bytesOut == 0 && status == 502 {
            await writer.status(KubernetesStatus(code: 502, reason: "BadGateway", message: "cluster \(route.cluster) is unreachable: \(error)"),
                                auditID: auditor.auditID)
        } catch {
            core.logger.debug("response stream ended early", metadata: ["audit-id": "\(auditor.auditID)", "error": "\(error)"])
            await writer.abort()
        }
        let latency = (ContinuousClock.now - started).microseconds
        if info.verb == "create", (auditor.info?.name ?? "").isEmpty, let name = ObjectNames.extract(captured)?.name {
            auditor.info?.name = name
        }
        if auditor.level < .requestResponse { captured = [] }
        let responsePayload = captured.isEmpty ? nil : Payload(contentType: responseContentType, bytes: AuditRedaction.response(captured, info: info))
        _ = await record(auditor.event(stage: .responseComplete, status: ResponseStatus(code: Int32(status)), latency: latency,
                                            bytesIn: body.receivedBytes, bytesOut: bytesOut, requestBody: requestPayload, responseBody: responsePayload),
                              omitting: auditor.omitStages)
        return outcome(auditor, status)
    }

    /// A request whose body could not be read; `code` is what the trail records.
    struct UnreadBody: Error { let code: Int }

    /// Reads the body whole for the trail. Too large: refused with 413 and recorded. The client
    /// gone before the end: recorded as 499 (nginx's "client closed request"); nothing reached the cluster.
    private func collectBody(auditor: RequestAuditor, allowed: Bool) async -> Result<[UInt8], UnreadBody> {
        do {
            return .success(try await body.collect(upTo: ProxyRequestHandler.maximumCollectedBody))
        } catch RequestBodyError.tooLarge(let limit) {
            return .failure(UnreadBody(code: await refuse(.requestEntityTooLarge(limit: limit), auditor: auditor, decision: .deny,
                                                          rule: "body: larger than \(limit) bytes, kube-apiserver's limit")))
        } catch {
            _ = await core.recorded(auditor.event(stage: .responseComplete, status: ResponseStatus(code: 499, reason: "ClientClosedRequest",
                                                                                              message: "the client closed the connection before the request body ended"),
                                                decision: allowed ? .allow : .deny, bytesIn: body.receivedBytes))
            return .failure(UnreadBody(code: 499))
        }
    }

    /// Answers with a Status and records the refusal as one complete event; returns the status code.
    @discardableResult
    func refuse(_ status: KubernetesStatus, auditor: RequestAuditor, decision: AuditEvent.Decision, rule: String) async -> Int {
        var auditor = auditor
        auditor.decisionRule = rule
        // A refusal is always recorded, whatever stages the policy omits.
        _ = await core.recorded(auditor.event(stage: .responseComplete, status: ResponseStatus(code: Int32(status.code), reason: status.reason, message: status.message),
                                              decision: decision))
        await writer.status(status, auditID: auditor.auditID)
        return status.code
    }

    /// Whether the answer's size has no bound: a watch, a log, a list, or a pod's or service's own
    /// HTTP through the `proxy` subresource. Those go over the HTTP/1.1 pool, where TCP holds the
    /// cluster back when the client reads slowly; over AsyncHTTPClient's HTTP/2 streams a 1 GiB
    /// answer raised the proxy's peak memory by 533 MB (`aGigabyteLogPassesInConstantMemory` with
    /// the log sent over HTTP/2), over HTTP/1.1 by 2 MB. Single objects (at most etcd's 1.5 MiB)
    /// and discovery multiplex over HTTP/2.
    static func answerIsUnbounded(_ info: RequestInfo, query: [(String, String)]) -> Bool {
        info.isLongRunning(query: query) || info.verb == "list" || info.subresource == "log" || info.subresource == "proxy"
    }

    static func split(_ target: String) -> (String, [(String, String)]) {
        guard let mark = target.firstIndex(of: "?") else { return (target, []) }
        let query = target[target.index(after: mark)...].split(separator: "&").map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map { String($0).replacing("+", with: " ").removingPercentEncoding ?? String($0) }
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
        return (String(target[..<mark]).removingPercentEncoding ?? String(target[..<mark]), query)
    }
}

extension RequestInfo {
    /// Whether the response streams for a long time (watch, `logs -f`, connect).
    func isLongRunning(query: [(String, String)]) -> Bool {
        verb == "watch" || isConnect || (subresource == "log" && QueryFlag.isSet("follow", in: query))
    }
}

extension Duration {
    var microseconds: Int64 { components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000 }
}
