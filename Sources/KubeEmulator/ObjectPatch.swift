import KubeAPI

/// The patch formats kube-apiserver accepts, applied to stored JSON.
enum ObjectPatch {
    enum Format: Sendable {
        case jsonMerge
        case json
        case strategicMerge
        case apply

        /// The format named by a PATCH's Content-Type, or nil when unsupported.
        init?(contentType: String) {
            switch MediaType(parsing: contentType)?.essence {
            case "application/merge-patch+json": self = .jsonMerge
            case "application/json-patch+json": self = .json
            case "application/strategic-merge-patch+json": self = .strategicMerge
            case "application/apply-patch+yaml", "application/apply-patch+json": self = .apply
            default: return nil
            }
        }
    }

    /// Applies `patch` to `target`.
    static func apply(_ format: Format, patch: JSONValue, to target: JSONValue) throws(KubernetesStatus) -> JSONValue {
        switch format {
        case .jsonMerge, .apply:
            return mergePatch(target, patch)
        case .strategicMerge:
            return strategicMerge(target, patch)
        case .json:
            guard case .array(let operations) = patch else {
                throw KubernetesStatus.badRequest("json patch must be an array of operations")
            }
            var document = target
            for (index, operation) in operations.enumerated() {
                document = try applyOperation(operation, index: index, to: document)
            }
            return document
        }
    }

    /// RFC 7386 JSON merge patch.
    static func mergePatch(_ target: JSONValue, _ patch: JSONValue) -> JSONValue {
        guard case .object(let patchObject) = patch else { return patch }
        var result = target.objectValue ?? JSONObject()
        for member in patchObject.members {
            if member.value.isNull {
                result[member.key] = nil
            } else {
                result[member.key] = mergePatch(result[member.key] ?? .null, member.value)
            }
        }
        return .object(result)
    }

    /// Merge keys of the lists kubectl's strategic merge patches address for the kinds served.
    static let mergeKeys: [String: String] = [
        "containers": "name", "initContainers": "name", "ephemeralContainers": "name", "volumes": "name",
        "env": "name", "ports": "containerPort", "volumeMounts": "mountPath", "imagePullSecrets": "name",
        "conditions": "type", "tolerations": "key", "ownerReferences": "uid", "finalizers": "",
    ]

    /// Strategic merge patch, for the directives kubectl sends: lists of objects merge by their
    /// merge key; `$patch: delete|replace`, `$deleteFromPrimitiveList/…`; `$setElementOrder/…` and
    /// `$retainKeys` are accepted and ignored.
    static func strategicMerge(_ target: JSONValue, _ patch: JSONValue) -> JSONValue {
        guard case .object(let patchObject) = patch else { return patch }
        if patchObject["$patch"]?.stringValue == "replace" {
            var replacement = patchObject
            replacement["$patch"] = nil
            return .object(replacement)
        }
        var result = target.objectValue ?? JSONObject()
        for member in patchObject.members {
            let key = member.key
            if key.hasPrefix("$setElementOrder/") || key == "$retainKeys" || key == "$patch" { continue }
            if key.hasPrefix("$deleteFromPrimitiveList/") {
                let field = String(key.dropFirst("$deleteFromPrimitiveList/".count))
                if case .array(let items) = result[field], case .array(let remove) = member.value {
                    result[field] = .array(items.filter { !remove.contains($0) })
                }
                continue
            }
            if member.value.isNull {
                result[key] = nil
                continue
            }
            switch (result[key], member.value) {
            case (.array(let current), .array(let patchItems)):
                result[key] = .array(mergeList(current, patchItems, field: key))
            case (.some(let current), .object):
                result[key] = strategicMerge(current, member.value)
            default:
                result[key] = stripDirectives(member.value)
            }
        }
        return .object(result)
    }

    static func mergeList(_ current: [JSONValue], _ patch: [JSONValue], field: String) -> [JSONValue] {
        let key = mergeKeys[field] ?? (field == "ports" ? "port" : nil)
        guard let key, patch.allSatisfy({ $0.objectValue != nil }) else {
            if field == "finalizers" { return patch }
            return patch.map(stripDirectives)
        }
        let mergeKey = patch.contains { $0[key] != nil } ? key : (field == "ports" ? "port" : key)
        var result = current
        for item in patch {
            let directive = item["$patch"]?.stringValue
            if let value = item[mergeKey], let index = result.firstIndex(where: { $0[mergeKey] == value }) {
                if directive == "delete" {
                    result.remove(at: index)
                } else {
                    result[index] = strategicMerge(result[index], item)
                }
            } else if directive != "delete" {
                result.append(stripDirectives(item))
            }
        }
        return result
    }

    static func stripDirectives(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var clean = JSONObject()
            for member in object.members where !member.key.hasPrefix("$") {
                clean[member.key] = stripDirectives(member.value)
            }
            return .object(clean)
        case .array(let items):
            return .array(items.map(stripDirectives))
        default:
            return value
        }
    }

    // MARK: RFC 6902

    static func applyOperation(_ operation: JSONValue, index: Int, to document: JSONValue) throws(KubernetesStatus) -> JSONValue {
        guard let op = operation["op"]?.stringValue, let path = operation["path"]?.stringValue else {
            throw KubernetesStatus.badRequest("json patch operation \(index) needs \"op\" and \"path\"")
        }
        let pointer = try parsePointer(path)
        switch op {
        case "add":
            guard let value = operation["value"] else { throw KubernetesStatus.badRequest("json patch add at \(path) has no value") }
            return try insert(value, at: pointer, in: document)
        case "replace":
            guard let value = operation["value"] else { throw KubernetesStatus.badRequest("json patch replace at \(path) has no value") }
            _ = try read(pointer, in: document)
            return try replaceValue(value, at: pointer, in: document)
        case "remove":
            return try remove(pointer, from: document)
        case "test":
            let value = try read(pointer, in: document)
            guard value == operation["value"] else {
                throw KubernetesStatus(code: 422, reason: "Invalid", message: "the server rejected our request due to an error in our request: testing value \(path) failed")
            }
            return document
        case "move", "copy":
            guard let fromText = operation["from"]?.stringValue else { throw KubernetesStatus.badRequest("json patch \(op) needs \"from\"") }
            let from = try parsePointer(fromText)
            let value = try read(from, in: document)
            let source = op == "move" ? try remove(from, from: document) : document
            return try insert(value, at: pointer, in: source)
        default:
            throw KubernetesStatus.badRequest("json patch operation \(index): unknown op \"\(op)\"")
        }
    }

    static func parsePointer(_ path: String) throws(KubernetesStatus) -> [String] {
        if path.isEmpty { return [] }
        guard path.hasPrefix("/") else { throw KubernetesStatus.badRequest("json patch path \"\(path)\" must start with /") }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            String($0).replacing("~1", with: "/").replacing("~0", with: "~")
        }
    }

    static func read(_ pointer: [String], in document: JSONValue) throws(KubernetesStatus) -> JSONValue {
        var current = document
        for token in pointer {
            switch current {
            case .object(let object):
                guard let next = object[token] else { throw missing(pointer) }
                current = next
            case .array(let items):
                guard let index = Int(token), items.indices.contains(index) else { throw missing(pointer) }
                current = items[index]
            default:
                throw missing(pointer)
            }
        }
        return current
    }

    static func missing(_ pointer: [String]) -> KubernetesStatus {
        KubernetesStatus(code: 422, reason: "Invalid",
                         message: "the server rejected our request due to an error in our request: doc is missing path: \"/\(pointer.joined(separator: "/"))\"")
    }

    static func insert(_ value: JSONValue, at pointer: [String], in document: JSONValue) throws(KubernetesStatus) -> JSONValue {
        guard let first = pointer.first else { return value }
        let rest = Array(pointer.dropFirst())
        switch document {
        case .object(var object):
            if rest.isEmpty {
                object[first] = value
                return .object(object)
            }
            guard let child = object[first] else { throw missing(pointer) }
            object[first] = try insert(value, at: rest, in: child)
            return .object(object)
        case .array(var items):
            if rest.isEmpty {
                if first == "-" { items.append(value); return .array(items) }
                guard let index = Int(first), index >= 0, index <= items.count else { throw missing(pointer) }
                items.insert(value, at: index)
                return .array(items)
            }
            guard let index = Int(first), items.indices.contains(index) else { throw missing(pointer) }
            items[index] = try insert(value, at: rest, in: items[index])
            return .array(items)
        default:
            throw missing(pointer)
        }
    }

    static func remove(_ pointer: [String], from document: JSONValue) throws(KubernetesStatus) -> JSONValue {
        guard let first = pointer.first else { return .null }
        let rest = Array(pointer.dropFirst())
        switch document {
        case .object(var object):
            guard let child = object[first] else { throw missing(pointer) }
            object[first] = rest.isEmpty ? nil : try remove(rest, from: child)
            return .object(object)
        case .array(var items):
            guard let index = Int(first), items.indices.contains(index) else { throw missing(pointer) }
            if rest.isEmpty { items.remove(at: index) } else { items[index] = try remove(rest, from: items[index]) }
            return .array(items)
        default:
            throw missing(pointer)
        }
    }

    /// Sets an existing location (object key keeps its place; array element in place).
    static func replaceValue(_ value: JSONValue, at pointer: [String], in document: JSONValue) throws(KubernetesStatus) -> JSONValue {
        guard let first = pointer.first else { return value }
        let rest = Array(pointer.dropFirst())
        switch document {
        case .object(var object):
            guard let child = object[first] else { throw missing(pointer) }
            object[first] = rest.isEmpty ? value : try replaceValue(value, at: rest, in: child)
            return .object(object)
        case .array(var items):
            guard let index = Int(first), items.indices.contains(index) else { throw missing(pointer) }
            items[index] = rest.isEmpty ? value : try replaceValue(value, at: rest, in: items[index])
            return .array(items)
        default:
            throw missing(pointer)
        }
    }
}
