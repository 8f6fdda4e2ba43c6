import KubeAPI

/// Lists (with selectors and `limit`/`continue` paging) and watches.
extension EmulatedAPIServer {
    static let fieldSelectorFields: [String: Set<String>] = [
        "pods": ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                 "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"],
        "events": ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                   "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
                   "reason", "reportingComponent", "source", "type"],
        "secrets": ["type"],
        "namespaces": ["status.phase"],
    ]

    func filter(_ request: EmulatorRequest, type: ResourceType, namespace: String) throws -> ObjectFilter {
        var filter = ObjectFilter(namespace: type.namespaced ? namespace : nil)
        if let text = request.queryValue("labelSelector"), !text.isEmpty {
            do { filter.labels = try LabelSelector(parsing: text) } catch { throw KubernetesStatus.badRequest(error.description) }
        }
        if let text = request.queryValue("fieldSelector"), !text.isEmpty {
            let selector: FieldSelector
            do { selector = try FieldSelector(parsing: text) } catch { throw KubernetesStatus.badRequest(error.description) }
            let allowed = Self.fieldSelectorFields[type.resource] ?? []
            for term in selector.terms where !["metadata.name", "metadata.namespace"].contains(term.field) && !allowed.contains(term.field) {
                throw KubernetesStatus.badRequest("field label not supported: \(term.field)")
            }
            filter.fields = selector
        }
        return filter
    }

    func list(_ request: EmulatorRequest, type: ResourceType, namespace: String) async throws -> EmulatorResponse {
        let filter = try filter(request, type: type, namespace: namespace)
        let (all, revision) = await store.list(type, filter: filter)
        var items = all
        var continueToken: String?
        var remaining: Int?
        if let token = request.queryValue("continue"), !token.isEmpty {
            guard let bytes = Base64.decode(token), let after = String(validating: bytes, as: UTF8.self) else {
                throw KubernetesStatus.badRequest("continue key is not valid: \(token)")
            }
            items = items.filter { Self.listKey($0) > after }
        }
        if let limitText = request.queryValue("limit"), let limit = Int(limitText), limit > 0, items.count > limit {
            remaining = items.count - limit
            items = Array(items.prefix(limit))
            continueToken = Base64.encode(Array(Self.listKey(items[limit - 1]).utf8))
        }
        return try respondList(items, type: type, revision: revision, request: request, continueToken: continueToken, remaining: remaining)
    }

    static func listKey(_ object: JSONValue) -> String {
        (object[path: ["metadata", "namespace"]]?.stringValue ?? "") + "/" + (object[path: ["metadata", "name"]]?.stringValue ?? "")
    }

    func watch(_ request: EmulatorRequest, type: ResourceType, namespace: String) async throws -> EmulatorResponse {
        let filter = try filter(request, type: type, namespace: namespace)
        let since = request.queryValue("resourceVersion").flatMap { Int64($0) }
        if let text = request.queryValue("resourceVersion"), !text.isEmpty, Int64(text) == nil {
            throw KubernetesStatus.badRequest("invalid resource version: \(text)")
        }
        let representation = try representation(request, type: type, protobufAllowed: false)
        let (events, watchID) = try await store.watch(type, filter: filter, since: since)
        let timeout = request.queryValue("timeoutSeconds").flatMap { Int64($0) }.map { Duration.seconds($0) }
        let bookmarks = request.queryFlag("allowWatchBookmarks")
        let bookmarkInterval = options.bookmarkInterval
        let store = self.store
        let tables = representation == .table
        let contentType = "application/json"
        return .stream(status: 200, headers: [("content-type", contentType)]) { writer in
            defer { Task { await store.stopWatch(watchID) } }
            let clock = ContinuousClock()
            let deadline = timeout.map { clock.now + $0 }
            var lastRevision = since ?? 0
            var sentColumns = false
            try await withThrowingTaskGroup(of: Void.self) { group in
                let ticks = AsyncStream<Void>.makeStream()
                if bookmarks {
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: bookmarkInterval)
                            ticks.continuation.yield()
                        }
                    }
                }
                if let deadline {
                    group.addTask {
                        try await Task.sleep(until: deadline, clock: clock)
                        await store.stopWatch(watchID)
                    }
                }
                group.addTask {
                    for await _ in ticks.stream {
                        let revision = await store.currentRevision
                        let bookmark: JSONValue = [
                            "type": "BOOKMARK",
                            "object": ["kind": .string(type.kind), "apiVersion": .string(type.apiVersion),
                                       "metadata": ["resourceVersion": .string(String(revision))]],
                        ]
                        try await writer.write(JSONSerializer.bytes(bookmark) + [0x0A])
                    }
                }
                for await event in events {
                    lastRevision = max(lastRevision, event.resourceVersion)
                    var object = event.object
                    if tables {
                        object = TableConverter(nowMicroseconds: KubernetesTime.nowMicroseconds()).table(
                            [event.object], type: type, resourceVersion: String(event.resourceVersion),
                            includeColumnDefinitions: !sentColumns)
                        sentColumns = true
                    }
                    let line: JSONValue = ["type": .string(event.type.rawValue), "object": object]
                    try await writer.write(JSONSerializer.bytes(line) + [0x0A])
                }
                ticks.continuation.finish()
                group.cancelAll()
            }
        }
    }
}
