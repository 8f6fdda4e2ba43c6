/// What a client asked to impersonate with its own `Impersonate-*` fields (`kubectl --as`, `--as-group`, `--as-uid`).
///
/// The proxy never forwards these fields; the policy decides whether the authenticated user may act as this
/// identity, and if so the proxy asserts it itself. Extra keys are lowercased and percent-decoded, as Kubernetes does.
public struct ClientImpersonationRequest: Sendable, Hashable {
    public var user: String
    public var groups: [String]
    public var uid: String?
    /// Extra keys (lowercased, decoded) to values, values in field order.
    public var extra: [String: [String]]

    public init(user: String, groups: [String] = [], uid: String? = nil, extra: [String: [String]] = [:]) {
        self.user = user
        self.groups = groups
        self.uid = uid
        self.extra = extra
    }

    /// Extracts the impersonation request from the client's fields; nil when there is none.
    ///
    /// Refuses anything ambiguous: two `Impersonate-User` (or `-Uid`) fields, groups/uid/extras without a user,
    /// an empty user, and any other field whose name starts with `impersonate-` (including `Impersonate_User`).
    public static func parse(
        _ headers: some Sequence<(name: String, value: String)>
    ) throws(ClientImpersonationError) -> ClientImpersonationRequest? {
        var users: [String] = []
        var uids: [String] = []
        var groups: [String] = []
        var extra: [String: [String]] = [:]
        var sawAny = false
        for field in headers {
            let lower = field.name.lowercased()
            guard HeaderFieldName.canonical(field.name).hasPrefix(HeaderFieldName.impersonatePrefix) else { continue }
            sawAny = true
            switch lower {
            case "impersonate-user": users.append(field.value)
            case "impersonate-group": groups.append(field.value)
            case "impersonate-uid": uids.append(field.value)
            default:
                let prefix = "impersonate-extra-"
                guard lower.hasPrefix(prefix) else { throw .unknownField(field.name) }
                let encodedKey = String(lower.dropFirst(prefix.count))
                guard !encodedKey.isEmpty else { throw .emptyExtraKey }
                guard let key = Self.percentDecode(encodedKey), !key.isEmpty else { throw .malformedExtraKey(field.name) }
                extra[key, default: []].append(field.value)
            }
        }
        guard sawAny else { return nil }
        guard users.count <= 1 else { throw .multipleUsers(users) }
        guard uids.count <= 1 else { throw .multipleUIDs }
        guard let user = users.first else {
            if !groups.isEmpty { throw .groupsWithoutUser }
            if !uids.isEmpty { throw .uidWithoutUser }
            throw .extraWithoutUser
        }
        guard !user.isEmpty else { throw .emptyUser }
        return ClientImpersonationRequest(user: user, groups: groups, uid: uids.first, extra: extra)
    }

    /// Array form of ``parse(_:)-(some Sequence)``, so literal `[(String, String)]` lists need no labels.
    public static func parse(
        _ headers: [(name: String, value: String)]
    ) throws(ClientImpersonationError) -> ClientImpersonationRequest? {
        try self.parse(headers.lazy.map { $0 })
    }

    /// Strict `%XX` decoding into UTF-8; nil for a bad escape or invalid UTF-8.
    static func percentDecode(_ text: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next(), let low = iterator.next(),
                    let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
                else { return nil }
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

/// Why a client's impersonation fields cannot be understood.
public enum ClientImpersonationError: Error, Sendable, Hashable, CustomStringConvertible {
    case multipleUsers([String])
    case multipleUIDs
    case groupsWithoutUser
    case uidWithoutUser
    case extraWithoutUser
    case emptyUser
    case emptyExtraKey
    case malformedExtraKey(String)
    /// An `Impersonate-*` field Kubernetes does not define.
    case unknownField(String)

    public var description: String {
        switch self {
        case .multipleUsers(let users): "more than one Impersonate-User: \(users)"
        case .multipleUIDs: "more than one Impersonate-Uid"
        case .groupsWithoutUser: "Impersonate-Group without Impersonate-User"
        case .uidWithoutUser: "Impersonate-Uid without Impersonate-User"
        case .extraWithoutUser: "Impersonate-Extra-* without Impersonate-User"
        case .emptyUser: "empty Impersonate-User"
        case .emptyExtraKey: "Impersonate-Extra- with an empty key"
        case .malformedExtraKey(let name): "undecodable extra key in \(name)"
        case .unknownField(let name): "unknown impersonation field \(name)"
        }
    }
}
