/// Classification of HTTP field names, shared by the forwarding and impersonation-parsing code.
///
/// Names are compared lowercased with `_` folded to `-`, so `Impersonate_User` counts as `Impersonate-User`:
/// some servers (CGI-style) treat them alike, and treating them alike here only ever removes more.
enum HeaderFieldName {
    /// Lowercased, `_` → `-`.
    static func canonical(_ name: String) -> String {
        String(name.lowercased().map { $0 == "_" ? "-" : $0 })
    }

    /// RFC 9110 `token`: what a field name may consist of. Anything else (spaces, colons, pseudo-headers) is invalid.
    static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty else { return false }
        return name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    /// A field value must not carry CR, LF or NUL (or other control characters except HTAB).
    static func isValidValue(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
    }

    /// RFC 9110 §7.6.1 hop-by-hop fields plus the legacy `Proxy-Connection`.
    static let hopByHop: Set<String> = [
        "connection", "proxy-connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
        "te", "trailer", "transfer-encoding", "upgrade",
    ]

    /// Fields a `Connection` option may not remove: taking them away would change routing or body framing.
    static let notNominatable: Set<String> = ["host", "content-length"]

    static let impersonatePrefix = "impersonate-"
    static let remotePrefix = "x-remote-"

    /// The comma-separated options of one `Connection` field value, canonicalized.
    static func connectionOptions(_ value: String) -> [String] {
        value.split(separator: ",").compactMap { option in
            let trimmed = option.trimmingCharacters(in: [" ", "\t"])
            return trimmed.isEmpty ? nil : self.canonical(String(trimmed))
        }
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Set<Character>) -> Substring {
        var result = self
        while let first = result.first, set.contains(first) { result = result.dropFirst() }
        while let last = result.last, set.contains(last) { result = result.dropLast() }
        return result
    }
}
