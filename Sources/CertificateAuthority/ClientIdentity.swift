/// A validated Kubernetes user identity: the certificate's CN is the user, each O is a group.
///
/// Kubernetes (and Kubetrail) read these attributes structurally, but people and tools print
/// subjects as strings (`/CN=a/O=b`, `CN=a,O=b`), so characters that would make those renderings
/// ambiguous are refused outright rather than escaped.
public struct ClientIdentity: Hashable, Sendable {
    /// RFC 5280 `ub-common-name` and `ub-organization-name`.
    public static let maximumNameLength = 64

    /// The user name, stored as the subject's common name.
    public let user: String
    /// The groups, stored as organization attributes in the given order.
    public let groups: [String]

    /// Validates `user` and `groups`.
    ///
    /// - Parameter allowSystemNames: permits the `system:` prefix Kubernetes reserves for itself
    ///   (e.g. `system:masters` bypasses RBAC entirely), for users and groups alike.
    public init(user: String, groups: [String] = [], allowSystemNames: Bool = false) throws(CertificateAuthorityError) {
        if user.isEmpty { throw .emptyUser }
        try Self.check(user, kind: "user", allowSystemNames: allowSystemNames)
        var seen = Set<String>()
        for group in groups {
            if group.isEmpty { throw .emptyGroup }
            try Self.check(group, kind: "group", allowSystemNames: allowSystemNames)
            guard seen.insert(group).inserted else { throw .duplicateGroup(group) }
        }
        self.user = user
        self.groups = groups
    }

    private static let forbiddenASCII: Set<Character> = [",", "/", "+", "=", "\\", "\"", "<", ">", ";", "#"]

    static func check(_ name: String, kind: String, allowSystemNames: Bool) throws(CertificateAuthorityError) {
        for scalar in name.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
                throw .forbiddenCharacter(kind: kind, name: name, character: "U+\(Self.hex(scalar.value))")
            default:
                break
            }
            if scalar.isASCII, Self.forbiddenASCII.contains(Character(scalar)) {
                throw .forbiddenCharacter(kind: kind, name: name, character: "'\(Character(scalar))'")
            }
        }
        if let first = name.unicodeScalars.first, let last = name.unicodeScalars.last,
            first.properties.isWhitespace || last.properties.isWhitespace
        {
            throw .surroundingWhitespace(kind: kind, name: name)
        }
        if name.utf8.count > Self.maximumNameLength {
            throw .nameTooLong(kind: kind, name: name, limit: Self.maximumNameLength)
        }
        if !allowSystemNames, name.lowercased().hasPrefix("system:") {
            throw .reservedSystemName(kind: kind, name: name)
        }
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
