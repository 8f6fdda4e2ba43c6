import KubeAPI

/// Who a request comes from: the authenticated caller, or the identity it impersonates.
public struct UserIdentity: Sendable, Equatable {
    public var name: String
    public var groups: [String]
    public var extra: [String: [String]]

    public init(name: String, groups: [String], extra: [String: [String]] = [:]) {
        self.name = name
        self.groups = groups
        self.extra = extra
    }

    /// JSON for the request log.
    public var json: JSONValue {
        var object = JSONObject(["user": .string(name), "groups": .array(groups.map { .string($0) })])
        if !extra.isEmpty {
            var extras = JSONObject()
            for key in extra.keys.sorted() { extras[key] = .array(extra[key]!.map { .string($0) }) }
            object["extra"] = .object(extras)
        }
        return .object(object)
    }
}

/// One HTTP request as the API layer sees it: decoded line, headers, whole body, identities.
public struct EmulatorRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [(String, String)]
    /// Header names lowercased, in order, repeated names kept.
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var caller: UserIdentity
    /// The identity the request acts as: the caller, or whom it impersonates.
    public var effectiveUser: UserIdentity
    public var info: RequestInfo
    /// How many body bytes the client sent (more than `body` holds when the body was too large).
    public var receivedBodyBytes: Int

    public init(method: String, path: String, query: [(String, String)], headers: [(String, String)], body: [UInt8],
                caller: UserIdentity, effectiveUser: UserIdentity? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.caller = caller
        self.effectiveUser = effectiveUser ?? caller
        self.info = RequestInfoResolver.resolve(method: method, path: path, query: query)
        self.receivedBodyBytes = body.count
    }

    /// The last value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.last { $0.0 == lower }?.1
    }

    /// Every value of header `name`, in order.
    public func headerValues(_ name: String) -> [String] {
        let lower = name.lowercased()
        return headers.filter { $0.0 == lower }.map(\.1)
    }

    /// The last value of query parameter `name`.
    public func queryValue(_ name: String) -> String? { query.last { $0.0 == name }?.1 }

    /// Whether boolean query parameter `name` is set, as kube-apiserver reads it (`QueryFlag`).
    public func queryFlag(_ name: String) -> Bool { QueryFlag.isSet(name, in: query) }

    /// Splits a request target into its path and decoded query items.
    public static func splitTarget(_ target: String) -> (path: String, query: [(String, String)]) {
        guard let mark = target.firstIndex(of: "?") else { return (percentDecode(target) ?? target, []) }
        let path = String(target[..<mark])
        let queryText = target[target.index(after: mark)...]
        let items: [(String, String)] = queryText.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = percentDecode(String(parts[0]), plusIsSpace: true) ?? String(parts[0])
            let value = parts.count > 1 ? (percentDecode(String(parts[1]), plusIsSpace: true) ?? String(parts[1])) : ""
            return (key, value)
        }
        return (percentDecode(path) ?? path, items)
    }

    /// Percent-decodes `text`; nil when an escape is malformed or the result is not UTF-8.
    public static func percentDecode(_ text: String, plusIsSpace: Bool = false) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next(), let low = iterator.next(),
                    let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
                else { return nil }
                bytes.append(value)
            } else if plusIsSpace, byte == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

/// Writes a streamed response body chunk by chunk; throws when the client has gone.
public protocol ResponseBodyWriter: Sendable {
    func write(_ bytes: [UInt8]) async throws
}

/// What the API layer answers.
public enum EmulatorResponse: Sendable {
    /// A whole body.
    case full(status: Int, headers: [(String, String)], body: [UInt8])
    /// A body produced over time (watch, `logs -f`, large logs).
    case stream(status: Int, headers: [(String, String)], body: @Sendable (any ResponseBodyWriter) async throws -> Void)

    /// A Kubernetes `Status` answer.
    public static func status(_ status: KubernetesStatus) -> EmulatorResponse {
        .full(status: status.code, headers: [("content-type", "application/json")], body: status.bytes)
    }

    /// A JSON answer.
    public static func json(_ value: JSONValue, status: Int = 200, contentType: String = "application/json") -> EmulatorResponse {
        .full(status: status, headers: [("content-type", contentType)], body: JSONSerializer.bytes(value) + [0x0A])
    }

    /// The status code.
    public var statusCode: Int {
        switch self {
        case .full(let status, _, _), .stream(let status, _, _): status
        }
    }
}
