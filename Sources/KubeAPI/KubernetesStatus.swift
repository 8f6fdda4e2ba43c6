/// A `meta/v1 Status` failure or success body, worded as kube-apiserver words it.
///
/// Clients (kubectl, client-go) print `message` and branch on `reason` and `code`, so the
/// wording follows `k8s.io/apimachinery/pkg/api/errors`.
public struct KubernetesStatus: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var reason: String
    public var message: String
    public var details: JSONObject?

    public init(code: Int, reason: String, message: String, details: JSONObject? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
    }

    public var description: String { "\(code) \(reason): \(message)" }

    /// The Status object as JSON.
    public var json: JSONValue {
        var object = JSONObject([
            "kind": "Status", "apiVersion": "v1", "metadata": .object(JSONObject()),
            "status": .string(code < 400 ? "Success" : "Failure"), "message": .string(message),
            "reason": .string(reason),
        ])
        if let details { object["details"] = .object(details) }
        object["code"] = .int(Int64(code))
        if reason.isEmpty { object["reason"] = nil }
        if message.isEmpty { object["message"] = nil }
        return .object(object)
    }

    /// The Status as compact JSON bytes, with the newline the apiserver ends bodies with.
    public var bytes: [UInt8] { JSONSerializer.bytes(json) + [0x0A] }

    /// `resource` qualified by group as the apiserver names it: `pods`, `deployments.apps`.
    public static func qualified(_ resource: String, group: String) -> String {
        group.isEmpty ? resource : "\(resource).\(group)"
    }

    private static func details(name: String?, group: String, kind: String) -> JSONObject {
        var details = JSONObject()
        if let name, !name.isEmpty { details["name"] = .string(name) }
        if !group.isEmpty { details["group"] = .string(group) }
        details["kind"] = .string(kind)
        return details
    }

    /// 404: `pods "web" not found`.
    public static func notFound(resource: String, group: String = "", name: String) -> KubernetesStatus {
        KubernetesStatus(
            code: 404, reason: "NotFound", message: "\(qualified(resource, group: group)) \"\(name)\" not found",
            details: details(name: name, group: group, kind: resource))
    }

    /// 404 for a path that names nothing the server serves.
    public static func pageNotFound() -> KubernetesStatus {
        KubernetesStatus(
            code: 404, reason: "NotFound", message: "the server could not find the requested resource",
            details: JSONObject())
    }

    /// 409: `pods "web" already exists`.
    public static func alreadyExists(resource: String, group: String = "", name: String) -> KubernetesStatus {
        KubernetesStatus(
            code: 409, reason: "AlreadyExists",
            message: "\(qualified(resource, group: group)) \"\(name)\" already exists",
            details: details(name: name, group: group, kind: resource))
    }

    /// 409: the object changed since the client read it (resourceVersion mismatch).
    public static func conflict(resource: String, group: String = "", name: String) -> KubernetesStatus {
        KubernetesStatus(
            code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on \(qualified(resource, group: group)) \"\(name)\": "
                + "the object has been modified; please apply your changes to the latest version and try again",
            details: details(name: name, group: group, kind: resource))
    }

    /// One field error of a 422 Invalid.
    public struct Cause: Sendable, Equatable {
        public var reason: String
        public var field: String
        public var message: String
        public init(reason: String, field: String, message: String) {
            self.reason = reason
            self.field = field
            self.message = message
        }

        /// `metadata.name: Required value`.
        public static func required(_ field: String) -> Cause {
            Cause(reason: "FieldValueRequired", field: field, message: "Required value")
        }

        /// `metadata.name: Invalid value: "Bad": why`.
        public static func invalid(_ field: String, value: String, _ why: String) -> Cause {
            Cause(reason: "FieldValueInvalid", field: field, message: "Invalid value: \"\(value)\": \(why)")
        }
    }

    /// 422: `Pod "web" is invalid: spec.containers: Required value`.
    public static func invalid(kind: String, group: String = "", name: String, causes: [Cause]) -> KubernetesStatus {
        let summary = causes.map { "\($0.field): \($0.message)" }
        let joined = summary.count == 1 ? summary[0] : "[" + summary.joined(separator: ", ") + "]"
        var details = details(name: name, group: group, kind: kind)
        details["causes"] = .array(
            causes.map {
                .object(JSONObject(["reason": .string($0.reason), "message": .string($0.message), "field": .string($0.field)]))
            })
        let qualifiedKind = group.isEmpty ? kind : "\(kind).\(group)"
        return KubernetesStatus(
            code: 422, reason: "Invalid", message: "\(qualifiedKind) \"\(name)\" is invalid: \(joined)", details: details)
    }

    /// 400 with the given message.
    public static func badRequest(_ message: String) -> KubernetesStatus {
        KubernetesStatus(code: 400, reason: "BadRequest", message: message)
    }

    /// 401, as the apiserver answers an unauthenticated caller.
    public static func unauthorized() -> KubernetesStatus {
        KubernetesStatus(code: 401, reason: "Unauthorized", message: "Unauthorized")
    }

    /// 403 worded like the RBAC authorizer's refusals.
    public static func forbidden(
        user: String, verb: String, resource: String, subresource: String = "", group: String, name: String?,
        namespace: String?
    ) -> KubernetesStatus {
        let target = subresource.isEmpty ? resource : "\(resource)/\(subresource)"
        var message = qualified(resource, group: group)
        if let name, !name.isEmpty { message += " \"\(name)\"" }
        message += " is forbidden: User \"\(user)\" cannot \(verb) resource \"\(target)\" in API group \"\(group)\""
        if let namespace, !namespace.isEmpty {
            message += " in the namespace \"\(namespace)\""
        } else {
            message += " at the cluster scope"
        }
        return KubernetesStatus(
            code: 403, reason: "Forbidden", message: message, details: details(name: name, group: group, kind: resource))
    }

    /// 403 for a non-resource URL: `forbidden: User "bob" cannot get path "/version"`.
    public static func forbidden(user: String, verb: String, path: String) -> KubernetesStatus {
        KubernetesStatus(
            code: 403, reason: "Forbidden", message: "forbidden: User \"\(user)\" cannot \(verb) path \"\(path)\"",
            details: JSONObject())
    }

    /// 405.
    public static func methodNotAllowed() -> KubernetesStatus {
        KubernetesStatus(
            code: 405, reason: "MethodNotAllowed",
            message: "the server does not allow this method on the requested resource", details: JSONObject())
    }

    /// 410: the watch's resourceVersion is older than the server keeps.
    public static func expired(_ message: String) -> KubernetesStatus {
        KubernetesStatus(code: 410, reason: "Expired", message: message)
    }

    /// 415: a request body in a format the server does not read.
    public static func unsupportedMediaType(_ contentType: String) -> KubernetesStatus {
        KubernetesStatus(
            code: 415, reason: "UnsupportedMediaType",
            message: "the body of the request was in an unknown format - accepted media types include: "
                + "application/json, application/yaml, application/vnd.kubernetes.protobuf"
                + (contentType.isEmpty ? "" : " (got \(contentType))"))
    }

    /// 406: no acceptable response format.
    public static func notAcceptable() -> KubernetesStatus {
        KubernetesStatus(
            code: 406, reason: "NotAcceptable",
            message: "only the following media types are accepted: application/json, application/yaml, "
                + "application/vnd.kubernetes.protobuf")
    }

    /// 413: a request body over the server's limit.
    public static func requestEntityTooLarge(limit: Int) -> KubernetesStatus {
        KubernetesStatus(
            code: 413, reason: "RequestEntityTooLarge", message: "the request body is larger than \(limit) bytes")
    }

    /// 500.
    public static func internalError(_ message: String) -> KubernetesStatus {
        KubernetesStatus(code: 500, reason: "InternalError", message: "Internal error occurred: \(message)")
    }

    /// 503, e.g. when an audit could not be recorded.
    public static func serviceUnavailable(_ message: String) -> KubernetesStatus {
        KubernetesStatus(code: 503, reason: "ServiceUnavailable", message: message)
    }

    /// 200 Success, as DELETE of a collection or a finished exec reports.
    public static func success(details: JSONObject? = nil) -> KubernetesStatus {
        KubernetesStatus(code: 200, reason: "", message: "", details: details)
    }
}
