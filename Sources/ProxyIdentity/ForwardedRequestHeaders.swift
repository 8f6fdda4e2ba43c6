/// The request header fields sent upstream, built from the client's fields and the proxy's own assertions.
///
/// From the client's fields it removes: every `Authorization`; every `Impersonate-*`; every `X-Remote-*`
/// (request-header authentication); `Audit-ID`; the hop-by-hop fields (`Connection`, `Proxy-Connection`,
/// `Keep-Alive`, `Proxy-Authenticate`, `Proxy-Authorization`, `TE`, `Trailer`, `Transfer-Encoding`, `Upgrade`
/// — `Upgrade` kept for an upgrade request); every field named as a `Connection` option (except `Host` and
/// `Content-Length`, which frame and route the request); and any field whose name is not an HTTP token or whose
/// value holds control characters. Then it appends the proxy's fields. `Connection` options only ever act on
/// the client's own fields, before ours are added: `Connection: Authorization` or `Connection: Impersonate-User`
/// cannot strip the proxy's credential or impersonation (which would run the request as the proxy itself), and
/// `Connection: X-Forwarded-For` can only drop the client's own claims, never the address appended here.
///
/// Names are matched case-insensitively with `_` folded to `-`. Pure: no I/O, order of kept fields preserved.
/// Pass regular fields only (no HTTP/2 pseudo-headers; they are invalid names and would be dropped).
/// The body framing is the caller's: `Transfer-Encoding` never appears in the output.
public struct ForwardedRequestHeaders: Sendable {
    /// The fields to send upstream, in order: the client's surviving fields, then the proxy's.
    public let fields: [(name: String, value: String)]
    /// How many client fields were dropped for an invalid name or value.
    public let invalidFieldCount: Int

    /// Builds the upstream fields.
    /// - Parameters:
    ///   - clientHeaders: the client's fields as received, in order.
    ///   - user: sent as `Impersonate-User` (the authenticated user, or the `--as` target the policy allowed).
    ///   - groups: one `Impersonate-Group` each, in order.
    ///   - uid: sent as `Impersonate-Uid` when given.
    ///   - extra: sent as `Impersonate-Extra-<key>` (key lowercased, percent-encoded), one field per value.
    ///   - upstreamBearerToken: sent as `Authorization: Bearer …` when given (nil when the proxy uses a client certificate).
    ///   - auditID: sent as `Audit-ID`.
    ///   - clientAddress: appended to `X-Forwarded-For` after the client's own (untrusted) entries.
    ///   - isUpgrade: keep the client's `Upgrade` and send `Connection: Upgrade`.
    public init(
        clientHeaders: some Sequence<(name: String, value: String)>,
        impersonatingUser user: String,
        groups: [String],
        uid: String? = nil,
        extra: [(key: String, values: [String])] = [],
        upstreamBearerToken: String?,
        auditID: String,
        clientAddress: String,
        isUpgrade: Bool = false
    ) throws(ForwardedRequestHeadersError) {
        var valid: [(name: String, value: String, canonical: String)] = []
        var invalid = 0
        var nominated: Set<String> = []
        for field in clientHeaders {
            guard HeaderFieldName.isValidName(field.name), HeaderFieldName.isValidValue(field.value) else {
                invalid += 1
                continue
            }
            let canonical = HeaderFieldName.canonical(field.name)
            if canonical == "connection" {
                nominated.formUnion(HeaderFieldName.connectionOptions(field.value))
            }
            valid.append((field.name, field.value, canonical))
        }
        nominated.subtract(HeaderFieldName.notNominatable)
        if isUpgrade { nominated.remove("upgrade") }

        var out: [(name: String, value: String)] = []
        out.reserveCapacity(valid.count + groups.count + 6)
        var forwardedFor: [String] = []
        var sawUpgrade = false
        for field in valid {
            let name = field.canonical
            if name == "x-forwarded-for" {
                if !nominated.contains(name) { forwardedFor.append(field.value) }
                continue
            }
            if name == "upgrade" && isUpgrade {
                sawUpgrade = true
                out.append((field.name, field.value))
                continue
            }
            if HeaderFieldName.hopByHop.contains(name) || nominated.contains(name) || name == "authorization"
                || name == "audit-id" || name.hasPrefix(HeaderFieldName.impersonatePrefix)
                || name.hasPrefix(HeaderFieldName.remotePrefix)
            {
                continue
            }
            out.append((field.name, field.value))
        }
        if isUpgrade {
            guard sawUpgrade else { throw .upgradeWithoutUpgradeField }
            out.append(("Connection", "Upgrade"))
        }

        func add(_ name: String, _ value: String) throws(ForwardedRequestHeadersError) {
            guard HeaderFieldName.isValidValue(value) else { throw .invalidValue(field: name) }
            out.append((name, value))
        }
        if let upstreamBearerToken {
            guard !upstreamBearerToken.isEmpty else { throw .invalidValue(field: "Authorization") }
            try add("Authorization", "Bearer \(upstreamBearerToken)")
        }
        guard !user.isEmpty else { throw .emptyUser }
        try add("Impersonate-User", user)
        for group in groups {
            guard !group.isEmpty else { throw .invalidValue(field: "Impersonate-Group") }
            try add("Impersonate-Group", group)
        }
        if let uid { try add("Impersonate-Uid", uid) }
        for (key, values) in extra {
            guard !key.isEmpty else { throw .invalidValue(field: "Impersonate-Extra-") }
            let name = "Impersonate-Extra-" + Self.percentEncodeExtraKey(key.lowercased())
            for value in values { try add(name, value) }
        }
        try add("Audit-ID", auditID)
        forwardedFor.append(clientAddress)
        guard HeaderFieldName.isValidValue(clientAddress), !clientAddress.isEmpty else {
            throw .invalidValue(field: "X-Forwarded-For")
        }
        out.append(("X-Forwarded-For", forwardedFor.joined(separator: ", ")))
        self.fields = out
        self.invalidFieldCount = invalid
    }

    /// Kubernetes' encoding of extra keys in field names: anything but unreserved URL characters is `%XX`.
    static func percentEncodeExtraKey(_ key: String) -> String {
        var out = ""
        for byte in key.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"),
                UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF")
                out.append("%")
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return out
    }
}

/// Why the upstream fields could not be built (a bug or hostile data on the proxy's side, never the client's).
public enum ForwardedRequestHeadersError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A value the proxy was asked to send is empty where that is meaningless, or contains control characters.
    case invalidValue(field: String)
    case emptyUser
    /// `isUpgrade` was set but the client sent no `Upgrade` field.
    case upgradeWithoutUpgradeField

    public var description: String {
        switch self {
        case .invalidValue(let field): "refusing to send \(field): empty or contains control characters"
        case .emptyUser: "refusing to impersonate an empty user name"
        case .upgradeWithoutUpgradeField: "upgrade requested but the client sent no Upgrade field"
        }
    }
}
