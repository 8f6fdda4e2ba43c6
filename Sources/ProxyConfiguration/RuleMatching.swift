/// The pattern matching shared by roles, deny rules and audit rules.
enum RuleMatching {
    /// `*` or an exact member; case-insensitive when `caseInsensitive` (deny rules).
    static func contains(_ list: [String], _ value: String, caseInsensitive: Bool = false) -> Bool {
        if caseInsensitive {
            let lowered = value.lowercased()
            return list.contains { $0 == "*" || $0.lowercased() == lowered }
        }
        return list.contains { $0 == "*" || $0 == value }
    }

    /// Subjects: the user is listed, or one of the groups is.
    static func subjects(users: [String], groups: [String], match identity: Identity, caseInsensitive: Bool = false) -> Bool {
        contains(users, identity.user, caseInsensitive: caseInsensitive)
            || identity.groups.contains { contains(groups, $0, caseInsensitive: caseInsensitive) }
    }

    /// RBAC resource matching: `pods` is only pods; `pods/*` any subresource of pods; `*/scale` scale of anything.
    static func resource(_ patterns: [String], resource: String, subresource: String) -> Bool {
        let combined = subresource.isEmpty ? resource : "\(resource)/\(subresource)"
        for pattern in patterns {
            if pattern == "*" || pattern == combined { return true }
            guard !subresource.isEmpty else { continue }
            if pattern == "*/\(subresource)" || pattern == "\(resource)/*" { return true }
        }
        return false
    }

    /// Deny resource matching: like `resource`, case-insensitive, and a bare resource covers its subresources.
    static func denyResource(_ patterns: [String], resource: String, subresource: String) -> Bool {
        let resource = resource.lowercased()
        let subresource = subresource.lowercased()
        let lowered = patterns.map { $0.lowercased() }
        if self.resource(lowered, resource: resource, subresource: subresource) { return true }
        return lowered.contains(resource)
    }

    /// Non-resource URL matching: exact path, or a prefix when the pattern ends in `*`.
    static func nonResourceURL(_ patterns: [String], path: String) -> Bool {
        patterns.contains { pattern in
            if pattern == "*" || pattern == path { return true }
            if pattern.hasSuffix("*") { return path.hasPrefix(String(pattern.dropLast())) }
            return false
        }
    }

    /// Attribute values that no honest request has: path separators, dot segments, encodings, NULs.
    static func isSuspicious(_ value: String) -> Bool {
        value == "." || value == ".." || value.contains("/") || value.contains("%") || value.contains("\0")
    }

    /// A path that is not in canonical form: the upstream may read it differently than we match it.
    static func isSuspiciousPath(_ path: String) -> Bool {
        guard path.hasPrefix("/") else { return true }
        if path.contains("%") || path.contains("\\") || path.contains("\0") || path.contains("?") || path.contains("#") { return true }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        // "/" alone is one empty segment; otherwise no empty, "." or ".." segments (a trailing "/" is allowed).
        for (index, segment) in segments.enumerated() {
            if segment == "." || segment == ".." { return true }
            if segment.isEmpty && index != segments.count - 1 { return true }
        }
        return false
    }

    /// Discovery documents every client reads before anything else.
    static func isDiscoveryPath(_ path: String) -> Bool {
        let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        let segments = trimmed.split(separator: "/").map(String.init)
        guard let first = segments.first else { return false }
        switch first {
        case "api": return segments.count <= 2
        case "apis": return segments.count <= 3
        case "version": return segments.count == 1
        case "openapi": return segments.count >= 2
        default: return false
        }
    }
}
