import Yams

/// A YAML node together with where it sits in the file, for error messages.
///
/// Every typed read goes through here so that each error names the key path and the
/// expected type the same way.
struct YAMLNode {
    let node: Node
    let path: String
    let file: String

    func error(_ problem: String) -> ConfigurationError {
        ConfigurationError(file: file, keyPath: path, problem: problem)
    }

    /// How the node looks, for "expected X, got Y" messages.
    var kindDescription: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if isNull { return "null" }
            return "\"\(scalar.string)\""
        }
    }

    var isNull: Bool {
        guard case .scalar(let scalar) = node else { return false }
        guard scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    func string() throws(ConfigurationError) -> String {
        guard case .scalar(let scalar) = node, !isNull else {
            throw error("expected a string, got \(kindDescription)")
        }
        return scalar.string
    }

    /// A string that must not be empty.
    func nonEmptyString() throws(ConfigurationError) -> String {
        let value = try string()
        guard !value.isEmpty else { throw error("must not be empty") }
        return value
    }

    func bool() throws(ConfigurationError) -> Bool {
        if case .scalar(let scalar) = node, !isNull {
            let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
            if !quoted && scalar.string == "true" { return true }
            if !quoted && scalar.string == "false" { return false }
        }
        throw error("expected a boolean (true or false), got \(kindDescription)")
    }

    func int() throws(ConfigurationError) -> Int {
        if case .scalar(let scalar) = node, !isNull,
            scalar.style == .plain || scalar.style == .any,
            let value = Int(scalar.string)
        {
            return value
        }
        throw error("expected an integer, got \(kindDescription)")
    }

    func list() throws(ConfigurationError) -> [YAMLNode] {
        guard case .sequence(let sequence) = node else {
            throw error("expected a list, got \(kindDescription)")
        }
        return sequence.enumerated().map { YAMLNode(node: $1, path: "\(path)[\($0)]", file: file) }
    }

    func stringList() throws(ConfigurationError) -> [String] {
        var result: [String] = []
        for item in try list() { result.append(try item.nonEmptyString()) }
        return result
    }

    func mapping(allowedKeys: [String]) throws(ConfigurationError) -> YAMLMapping {
        try YAMLMapping(self, allowedKeys: allowedKeys)
    }
}

/// A YAML mapping whose keys were checked against the allowed ones.
///
/// Unknown keys are errors: a typo (`tokn_file`) must never be silently ignored in a
/// security-relevant configuration.
struct YAMLMapping {
    let base: YAMLNode
    private let entries: [String: YAMLNode]

    init(_ base: YAMLNode, allowedKeys: [String]) throws(ConfigurationError) {
        guard case .mapping(let mapping) = base.node else {
            throw base.error("expected a mapping, got \(base.kindDescription)")
        }
        self.base = base
        var entries: [String: YAMLNode] = [:]
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw base.error("keys must be strings")
            }
            let key = scalar.string
            let childPath = base.path.isEmpty ? key : "\(base.path).\(key)"
            guard allowedKeys.contains(key) else {
                let allowed = allowedKeys.sorted().joined(separator: ", ")
                var problem = "unknown key"
                if let guess = Self.closest(to: key, in: allowedKeys) { problem += " (did you mean \"\(guess)\"?)" }
                throw ConfigurationError(file: base.file, keyPath: childPath, problem: "\(problem); allowed keys: \(allowed)")
            }
            guard entries[key] == nil else {
                throw ConfigurationError(file: base.file, keyPath: childPath, problem: "duplicate key")
            }
            entries[key] = YAMLNode(node: value, path: childPath, file: base.file)
        }
        self.entries = entries
    }

    /// The value of `key`, or nil when absent. An explicit `null` counts as absent.
    subscript(_ key: String) -> YAMLNode? {
        guard let node = entries[key], !node.isNull else { return nil }
        return node
    }

    func required(_ key: String) throws(ConfigurationError) -> YAMLNode {
        guard let node = self[key] else {
            let path = base.path.isEmpty ? key : "\(base.path).\(key)"
            throw ConfigurationError(file: base.file, keyPath: path, problem: "missing required key")
        }
        return node
    }

    func path(_ key: String) -> String { base.path.isEmpty ? key : "\(base.path).\(key)" }

    func error(_ key: String, _ problem: String) -> ConfigurationError {
        ConfigurationError(file: base.file, keyPath: path(key), problem: problem)
    }

    /// The allowed key nearest to a typo, when it is close enough to be a likely guess.
    static func closest(to key: String, in allowed: [String]) -> String? {
        let scored = allowed.map { ($0, editDistance(Array(key.utf8), Array($0.utf8))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, key.utf8.count / 4) else { return nil }
        return best.0
    }

    private static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
