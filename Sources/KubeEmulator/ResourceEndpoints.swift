import KubeAPI

/// CRUD and list on `/api/v1/…` and `/apis/apps/v1/…` resources.
extension EmulatedAPIServer {
    func resourceRequest(_ request: EmulatorRequest, type: ResourceType) async throws -> EmulatorResponse {
        let info = request.info
        let namespace = type == ResourceCatalog.namespaces ? "" : info.namespace
        switch info.verb {
        case "get":
            let object = try await store.get(type, namespace: namespace, name: info.name)
            return try respond(object: object, type: type, request: request)
        case "list":
            return try await list(request, type: type, namespace: namespace)
        case "watch":
            return try await watch(request, type: type, namespace: namespace)
        case "create":
            guard info.name.isEmpty else { throw KubernetesStatus.methodNotAllowed() }
            let body = try decodeBody(request)
            try ObjectTranscoding.validate(body, type: type, directive: request.queryValue("fieldValidation"))
            let created = try await createObject(type, namespace: namespace, object: body, dryRun: isDryRun(request))
            return try respond(object: created, type: type, request: request, status: 201)
        case "update":
            let body = try decodeBody(request)
            let bodyName = body[path: ["metadata", "name"]]?.stringValue ?? ""
            guard bodyName == info.name else {
                throw KubernetesStatus.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(info.name))")
            }
            try checkBodyNamespace(body, type: type, namespace: namespace)
            try ObjectTranscoding.validate(body, type: type, directive: request.queryValue("fieldValidation"))
            let updated = try await replaceObject(type, namespace: namespace, name: info.name, dryRun: isDryRun(request)) { current in
                var next = body
                next["status"] = current["status"]
                return next
            }
            return try respond(object: updated, type: type, request: request)
        case "patch":
            return try await patch(request, type: type, namespace: namespace, statusOnly: false)
        case "delete":
            let options = request.body.isEmpty ? JSONValue.object(JSONObject()) : try decodeBody(request)
            let precondition = (
                options[path: ["preconditions", "uid"]]?.stringValue, options[path: ["preconditions", "resourceVersion"]]?.stringValue
            )
            if isDryRun(request) || options["dryRun"]?.arrayValue?.isEmpty == false {
                let object = try await store.get(type, namespace: namespace, name: info.name)
                return try respond(object: object, type: type, request: request)
            }
            var deleted = try await store.delete(type, namespace: namespace, name: info.name, precondition: precondition)
            if type == ResourceCatalog.namespaces {
                deleted[path: ["status", "phase"]] = "Terminating"
                deleted[path: ["metadata", "deletionTimestamp"]] = .string(KubernetesTime.rfc3339(microseconds: KubernetesTime.nowMicroseconds()))
            }
            return try respond(object: deleted, type: type, request: request)
        case "deletecollection":
            let filter = try filter(request, type: type, namespace: namespace)
            let removed = await store.deleteCollection(type, filter: filter)
            return try respondList(removed, type: type, revision: await store.currentRevision, request: request)
        default:
            throw KubernetesStatus.methodNotAllowed()
        }
    }

    /// GET, PUT and PATCH of `…/status`.
    func statusRequest(_ request: EmulatorRequest, type: ResourceType) async throws -> EmulatorResponse {
        guard type.subresources.contains(where: { $0.name == "status" }) else { throw KubernetesStatus.pageNotFound() }
        let info = request.info
        let namespace = type == ResourceCatalog.namespaces ? "" : info.namespace
        switch info.verb {
        case "get":
            return try respond(object: try await store.get(type, namespace: namespace, name: info.name), type: type, request: request)
        case "update":
            let body = try decodeBody(request)
            let updated = try await replaceObject(type, namespace: namespace, name: info.name, dryRun: isDryRun(request)) { current in
                var next = current
                next["status"] = body["status"]
                next[path: ["metadata", "resourceVersion"]] = body[path: ["metadata", "resourceVersion"]]
                return next
            }
            return try respond(object: updated, type: type, request: request)
        case "patch":
            return try await patch(request, type: type, namespace: namespace, statusOnly: true)
        default:
            throw KubernetesStatus.methodNotAllowed()
        }
    }

    func patch(_ request: EmulatorRequest, type: ResourceType, namespace: String, statusOnly: Bool) async throws -> EmulatorResponse {
        let info = request.info
        let contentType = request.header("content-type") ?? ""
        guard let format = ObjectPatch.Format(contentType: contentType) else {
            throw KubernetesStatus(
                code: 415, reason: "UnsupportedMediaType",
                message: "the body of the request was in an unknown format - accepted media types include: "
                    + "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, "
                    + "application/strategic-merge-patch+json")
        }
        let patch = try RequestBody.parsePatch(request.body, format: format)
        let directive = request.queryValue("fieldValidation")
        if format == .apply {
            if request.queryValue("fieldManager") == nil {
                throw KubernetesStatus(code: 422, reason: "Invalid", message: "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch")
            }
            let exists = (try? await store.get(type, namespace: namespace, name: info.name)) != nil
            if !exists {
                var body = patch
                body[path: ["metadata", "name"]] = .string(info.name)
                try ObjectTranscoding.validate(body, type: type, directive: directive)
                let created = try await createObject(type, namespace: namespace, object: body, dryRun: isDryRun(request))
                return try respond(object: created, type: type, request: request, status: 201)
            }
        }
        let updated = try await replaceObject(type, namespace: namespace, name: info.name, dryRun: isDryRun(request)) { current in
            var next = try ObjectPatch.apply(format, patch: patch, to: current)
            if statusOnly {
                var kept = current
                kept["status"] = next["status"]
                next = kept
            } else if format != .apply || patch["status"] == nil {
                next["status"] = current["status"]
            }
            // A patch's resourceVersion is a precondition only when it sets one.
            if patch[path: ["metadata", "resourceVersion"]] == nil {
                next[path: ["metadata", "resourceVersion"]] = nil
            }
            try ObjectTranscoding.validate(next, type: type, directive: directive)
            return next
        }
        return try respond(object: updated, type: type, request: request)
    }

    /// Validates, defaults and stores a new object (the create path every write shares).
    func createObject(_ type: ResourceType, namespace: String, object: JSONValue, dryRun: Bool = false) async throws -> JSONValue {
        guard object.objectValue != nil else { throw KubernetesStatus.badRequest("the request body must be a JSON object") }
        try checkBodyNamespace(object, type: type, namespace: namespace)
        if let kind = object["kind"]?.stringValue, kind != type.kind {
            throw KubernetesStatus.badRequest("the kind of the object (\(kind)) does not match the resource (\(type.resource))")
        }
        var fresh = object
        let defaulting = ObjectDefaulting(
            nowMicroseconds: KubernetesTime.nowMicroseconds(), random: { UUIDText.nameSuffix($0) },
            nextClusterIP: { self.clusterIPs.allocate() })
        defaulting.newMetadata(&fresh, type: type, namespace: namespace)
        let name = fresh[path: ["metadata", "name"]]?.stringValue ?? ""
        let causes = ObjectValidation.causes(fresh, type: type)
        if !causes.isEmpty { throw KubernetesStatus.invalid(kind: type.kind, group: type.group, name: name, causes: causes) }
        defaulting.applyDefaults(&fresh, type: type)
        if dryRun {
            if (try? await store.get(type, namespace: namespace, name: name)) != nil {
                throw KubernetesStatus.alreadyExists(resource: type.resource, group: type.group, name: name)
            }
            return fresh
        }
        let stored = try await store.create(type, object: fresh)
        await afterCreate(type, stored)
        return stored
    }

    /// Replaces an object through `transform`, validating the result (update and patch).
    func replaceObject(_ type: ResourceType, namespace: String, name: String, dryRun: Bool,
                       _ transform: @escaping @Sendable (JSONValue) throws -> JSONValue) async throws -> JSONValue {
        if dryRun {
            let current = try await store.get(type, namespace: namespace, name: name)
            return try finishUpdate(type, current: current, next: try transform(current))
        }
        let server = self
        return try await store.update(type, namespace: namespace, name: name) { current throws(KubernetesStatus) in
            do {
                return try server.finishUpdate(type, current: current, next: try transform(current))
            } catch let status as KubernetesStatus {
                throw status
            } catch {
                throw KubernetesStatus.badRequest("\(error)")
            }
        }
    }

    /// Checks an updated object and recomputes what the server owns (generation, deployment status).
    nonisolated func finishUpdate(_ type: ResourceType, current: JSONValue, next: JSONValue) throws -> JSONValue {
        var next = next
        next["apiVersion"] = .string(type.apiVersion)
        next["kind"] = .string(type.kind)
        for field in ["uid", "creationTimestamp", "name", "namespace", "generation"] {
            next[path: ["metadata", field]] = current[path: ["metadata", field]]
        }
        let name = current[path: ["metadata", "name"]]?.stringValue ?? ""
        let causes = ObjectValidation.causes(next, type: type)
        if !causes.isEmpty { throw KubernetesStatus.invalid(kind: type.kind, group: type.group, name: name, causes: causes) }
        if type == ResourceCatalog.secrets { ObjectDefaulting.foldStringData(&next) }
        if type == ResourceCatalog.deployments {
            if next["spec"] != current["spec"] {
                next[path: ["metadata", "generation"]] = .int((current[path: ["metadata", "generation"]]?.intValue ?? 1) + 1)
            }
            if var spec = next[path: ["spec", "template", "spec"]] {
                ObjectDefaulting.defaultPodSpec(&spec)
                next[path: ["spec", "template", "spec"]] = spec
            }
            ObjectDefaulting.deploymentStatus(&next)
        }
        return ObjectDefaulting.typeMetaFirst(next)
    }

    func checkBodyNamespace(_ object: JSONValue, type: ResourceType, namespace: String) throws {
        guard type.namespaced, let bodyNamespace = object[path: ["metadata", "namespace"]]?.stringValue, !bodyNamespace.isEmpty else {
            return
        }
        if bodyNamespace != namespace {
            throw KubernetesStatus.badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
    }

    func isDryRun(_ request: EmulatorRequest) -> Bool { request.queryValue("dryRun") == "All" }

    func decodeBody(_ request: EmulatorRequest) throws -> JSONValue {
        try RequestBody.decode(request.body, contentType: request.header("content-type"), limit: options.maxRequestBodyBytes)
    }
}
