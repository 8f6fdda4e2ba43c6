import KubeAPI

/// The emulator's cluster state: every object, a global resourceVersion, and watches.
///
/// An actor: every change takes the next resourceVersion and reaches watchers in that order,
/// which is the etcd guarantee clients rely on.
public actor ObjectStore {
    struct Key: Hashable {
        var namespace: String
        var name: String
    }

    private var objects: [String: [Key: JSONValue]] = [:]
    private var revision: Int64 = 1
    private var history: [(resource: String, event: WatchEvent)] = []
    private let historyLimit: Int
    private var watchers: [Int: Watcher] = [:]
    private var nextWatcherID = 0

    struct Watcher {
        var resource: String
        var filter: ObjectFilter
        var continuation: AsyncStream<WatchEvent>.Continuation
    }

    public init(historyLimit: Int = 10_000) { self.historyLimit = historyLimit }

    /// The current resourceVersion (the last one handed out).
    public var currentRevision: Int64 { revision }

    /// The object, or 404.
    public func get(_ type: ResourceType, namespace: String, name: String) throws(KubernetesStatus) -> JSONValue {
        guard let object = objects[type.resource]?[Key(namespace: type.namespaced ? namespace : "", name: name)] else {
            throw KubernetesStatus.notFound(resource: type.resource, group: type.group, name: name)
        }
        return object
    }

    /// Whether a namespace exists.
    public func namespaceExists(_ name: String) -> Bool {
        objects[ResourceCatalog.namespaces.resource]?[Key(namespace: "", name: name)] != nil
    }

    /// The selected objects in key order, and the resourceVersion the list is consistent at.
    public func list(_ type: ResourceType, filter: ObjectFilter) -> (items: [JSONValue], revision: Int64) {
        let table = objects[type.resource] ?? [:]
        let keys = table.keys.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
        var items: [JSONValue] = []
        for key in keys {
            if let namespace = filter.namespace, !namespace.isEmpty, key.namespace != namespace { continue }
            let object = table[key]!
            if filter.matches(object) { items.append(object) }
        }
        return (items, revision)
    }

    /// Stores a new object, setting resourceVersion; 409 if the name is taken.
    public func create(_ type: ResourceType, object: JSONValue) throws(KubernetesStatus) -> JSONValue {
        let key = key(type, object)
        if objects[type.resource]?[key] != nil {
            throw KubernetesStatus.alreadyExists(resource: type.resource, group: type.group, name: key.name)
        }
        if type.namespaced, !namespaceExists(key.namespace) {
            throw KubernetesStatus.notFound(resource: "namespaces", name: key.namespace)
        }
        if type.namespaced, isTerminating(key.namespace) {
            throw KubernetesStatus(
                code: 403, reason: "Forbidden",
                message: "\(KubernetesStatus.qualified(type.resource, group: type.group)) \"\(key.name)\" is forbidden: "
                    + "unable to create new content in namespace \(key.namespace) because it is being terminated")
        }
        var stored = object
        revision += 1
        stored[path: ["metadata", "resourceVersion"]] = .string(String(revision))
        objects[type.resource, default: [:]][key] = stored
        publish(type, WatchEvent(type: .added, object: stored, resourceVersion: revision))
        return stored
    }

    /// Replaces an object through `transform`; a set `metadata.resourceVersion` in the result must
    /// match the stored one (optimistic concurrency), else 409 Conflict.
    public func update(
        _ type: ResourceType, namespace: String, name: String,
        _ transform: (JSONValue) throws(KubernetesStatus) -> JSONValue
    ) throws(KubernetesStatus) -> JSONValue {
        let key = Key(namespace: type.namespaced ? namespace : "", name: name)
        guard let current = objects[type.resource]?[key] else {
            throw KubernetesStatus.notFound(resource: type.resource, group: type.group, name: name)
        }
        var updated = try transform(current)
        if let wanted = updated[path: ["metadata", "resourceVersion"]]?.stringValue, !wanted.isEmpty,
            wanted != current[path: ["metadata", "resourceVersion"]]?.stringValue
        {
            throw KubernetesStatus.conflict(resource: type.resource, group: type.group, name: name)
        }
        // Identity fields are the server's.
        for field in ["uid", "creationTimestamp", "name", "namespace"] {
            updated[path: ["metadata", field]] = current[path: ["metadata", field]]
        }
        if updated == current.withResourceVersion(updated[path: ["metadata", "resourceVersion"]]) {
            return current  // no change: no new resourceVersion, no event, as the apiserver does
        }
        revision += 1
        updated[path: ["metadata", "resourceVersion"]] = .string(String(revision))
        objects[type.resource]![key] = updated
        publish(type, WatchEvent(type: .modified, object: updated, resourceVersion: revision, previous: current))
        return updated
    }

    /// Removes an object and returns it as last stored (with a new resourceVersion); 404 if absent.
    public func delete(
        _ type: ResourceType, namespace: String, name: String, precondition: (uid: String?, resourceVersion: String?) = (nil, nil)
    ) throws(KubernetesStatus) -> JSONValue {
        let key = Key(namespace: type.namespaced ? namespace : "", name: name)
        guard var current = objects[type.resource]?[key] else {
            throw KubernetesStatus.notFound(resource: type.resource, group: type.group, name: name)
        }
        if let uid = precondition.uid, uid != current[path: ["metadata", "uid"]]?.stringValue {
            throw KubernetesStatus(
                code: 409, reason: "Conflict",
                message: "Operation cannot be fulfilled on \(KubernetesStatus.qualified(type.resource, group: type.group)) \"\(name)\": "
                    + "Precondition failed: UID in precondition: \(uid), UID in object meta: \(current[path: ["metadata", "uid"]]?.stringValue ?? "")")
        }
        if let wanted = precondition.resourceVersion, wanted != current[path: ["metadata", "resourceVersion"]]?.stringValue {
            throw KubernetesStatus.conflict(resource: type.resource, group: type.group, name: name)
        }
        if type == ResourceCatalog.namespaces {
            try removeNamespaceContents(name)
        }
        objects[type.resource]![key] = nil
        revision += 1
        current[path: ["metadata", "resourceVersion"]] = .string(String(revision))
        if type == ResourceCatalog.pods || type == ResourceCatalog.namespaces {
            // Graceful deletions end with the deletion timestamp set, which kubectl shows as Terminating.
            current[path: ["metadata", "deletionTimestamp"]] = .string(KubernetesTime.rfc3339(microseconds: KubernetesTime.nowMicroseconds()))
            if type == ResourceCatalog.pods { current[path: ["metadata", "deletionGracePeriodSeconds"]] = 0 }
        }
        publish(type, WatchEvent(type: .deleted, object: current, resourceVersion: revision))
        return current
    }

    /// Removes every selected object; returns them.
    public func deleteCollection(_ type: ResourceType, filter: ObjectFilter) -> [JSONValue] {
        var removed: [JSONValue] = []
        for object in list(type, filter: filter).items {
            let namespace = object[path: ["metadata", "namespace"]]?.stringValue ?? ""
            let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
            if let gone = try? delete(type, namespace: namespace, name: name) { removed.append(gone) }
        }
        return removed
    }

    /// Starts a watch. With `since` nil (or 0) the current objects come first as ADDED, as the
    /// apiserver does for an unset or "0" resourceVersion; with a revision, the changes after it,
    /// or 410 Expired when that revision is older than the history kept.
    public func watch(_ type: ResourceType, filter: ObjectFilter, since: Int64?) throws(KubernetesStatus) -> (
        stream: AsyncStream<WatchEvent>, id: Int
    ) {
        let (stream, continuation) = AsyncStream<WatchEvent>.makeStream(bufferingPolicy: .bufferingOldest(100_000))
        if let since, since > 0 {
            if since < revision, let oldest = history.first?.event.resourceVersion, since < oldest - 1 {
                throw KubernetesStatus.expired("too old resource version: \(since) (\(oldest - 1))")
            }
            if since < revision, history.isEmpty {
                throw KubernetesStatus.expired("too old resource version: \(since) (\(revision))")
            }
            for entry in history where entry.resource == type.resource && entry.event.resourceVersion > since {
                if let event = Self.filtered(entry.event, by: filter) { continuation.yield(event) }
            }
        } else {
            for object in list(type, filter: filter).items {
                let rv = Int64(object[path: ["metadata", "resourceVersion"]]?.stringValue ?? "") ?? revision
                continuation.yield(WatchEvent(type: .added, object: object, resourceVersion: rv))
            }
        }
        let id = nextWatcherID
        nextWatcherID += 1
        watchers[id] = Watcher(resource: type.resource, filter: filter, continuation: continuation)
        continuation.onTermination = { [weak self] _ in
            Task { await self?.stopWatch(id) }
        }
        return (stream, id)
    }

    /// Ends a watch (the client went away or its timeout passed).
    public func stopWatch(_ id: Int) {
        if let watcher = watchers.removeValue(forKey: id) { watcher.continuation.finish() }
    }


    private func key(_ type: ResourceType, _ object: JSONValue) -> Key {
        Key(
            namespace: type.namespaced ? (object[path: ["metadata", "namespace"]]?.stringValue ?? "") : "",
            name: object[path: ["metadata", "name"]]?.stringValue ?? "")
    }

    private func isTerminating(_ namespace: String) -> Bool {
        objects[ResourceCatalog.namespaces.resource]?[Key(namespace: "", name: namespace)]?[path: ["status", "phase"]]?
            .stringValue == "Terminating"
    }

    private func removeNamespaceContents(_ namespace: String) throws(KubernetesStatus) {
        for type in ResourceCatalog.all where type.namespaced {
            for key in (objects[type.resource] ?? [:]).keys where key.namespace == namespace {
                _ = try delete(type, namespace: namespace, name: key.name)
            }
        }
    }

    private func publish(_ type: ResourceType, _ event: WatchEvent) {
        history.append((type.resource, event))
        if history.count > historyLimit { history.removeFirst(history.count - historyLimit) }
        for (id, watcher) in watchers where watcher.resource == type.resource {
            guard let delivered = Self.filtered(event, by: watcher.filter) else { continue }
            if case .dropped = watcher.continuation.yield(delivered) {
                // A watcher that cannot keep up is closed, as the apiserver does; it re-lists.
                stopWatch(id)
            }
        }
    }

    /// The event as a watcher with `filter` sees it: objects moving into or out of the selection
    /// arrive as ADDED or DELETED.
    static func filtered(_ event: WatchEvent, by filter: ObjectFilter) -> WatchEvent? {
        let now = filter.matches(event.object)
        switch event.type {
        case .modified:
            let before = event.previous.map(filter.matches) ?? now
            switch (before, now) {
            case (true, true): return event
            case (false, true): return WatchEvent(type: .added, object: event.object, resourceVersion: event.resourceVersion)
            case (true, false): return WatchEvent(type: .deleted, object: event.object, resourceVersion: event.resourceVersion)
            case (false, false): return nil
            }
        default:
            return now ? event : nil
        }
    }
}

extension JSONValue {
    /// The object with `metadata.resourceVersion` set to `value` (or removed when nil).
    func withResourceVersion(_ value: JSONValue?) -> JSONValue {
        var copy = self
        copy[path: ["metadata", "resourceVersion"]] = value
        return copy
    }
}
