/// Why a label or field selector could not be read.
public struct SelectorParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var selector: String
    public var reason: String
    public var description: String { "unable to parse requirement: \(reason) in selector \"\(selector)\"" }
}

/// A field selector: `metadata.name=web,status.phase!=Running`.
public struct FieldSelector: Sendable, Equatable {
    /// One `field=value` or `field!=value` term.
    public struct Term: Sendable, Equatable {
        public var field: String
        public var value: String
        public var equals: Bool
    }

    public var terms: [Term]

    /// Parses the selector syntax of `?fieldSelector=`; `=`, `==` and `!=`, joined by commas.
    public init(parsing text: String) throws(SelectorParseError) {
        terms = []
        for raw in text.split(separator: ",", omittingEmptySubsequences: true) {
            let term = String(raw)
            if let range = term.firstRange(of: "!=") {
                terms.append(Term(field: String(term[..<range.lowerBound]), value: String(term[range.upperBound...]), equals: false))
            } else if let range = term.firstRange(of: "==") {
                terms.append(Term(field: String(term[..<range.lowerBound]), value: String(term[range.upperBound...]), equals: true))
            } else if let range = term.firstRange(of: "=") {
                terms.append(Term(field: String(term[..<range.lowerBound]), value: String(term[range.upperBound...]), equals: true))
            } else {
                throw SelectorParseError(selector: text, reason: "invalid field selector term \"\(term)\"")
            }
            if terms.last!.field.isEmpty { throw SelectorParseError(selector: text, reason: "empty field name") }
        }
    }

    /// Whether an object whose fields are read through `field` matches every term.
    public func matches(_ field: (String) -> String?) -> Bool {
        terms.allSatisfy { term in
            let actual = field(term.field) ?? ""
            return (actual == term.value) == term.equals
        }
    }

    /// The name when the selector is exactly `metadata.name=NAME`, as kubectl's delete-and-wait sends.
    public static func singleName(_ text: String) -> String? {
        guard let selector = try? FieldSelector(parsing: text), selector.terms.count == 1,
            selector.terms[0].field == "metadata.name", selector.terms[0].equals
        else { return nil }
        return selector.terms[0].value
    }
}

/// A label selector in the apimachinery text syntax: `app=web,tier!=db,env in (a,b),!legacy`.
public struct LabelSelector: Sendable, Equatable {
    /// One requirement on one label key.
    public enum Requirement: Sendable, Equatable {
        case equals(String, String)
        case notEquals(String, String)
        case isIn(String, Set<String>)
        case notIn(String, Set<String>)
        case exists(String)
        case doesNotExist(String)
    }

    public var requirements: [Requirement]

    /// Parses `?labelSelector=`.
    public init(parsing text: String) throws(SelectorParseError) {
        requirements = []
        for term in Self.splitTerms(text) {
            let trimmed = term.trimming(" ")
            if trimmed.isEmpty { continue }
            requirements.append(try Self.requirement(trimmed, in: text))
        }
    }

    /// Whether `labels` satisfy every requirement.
    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { requirement in
            switch requirement {
            case .equals(let key, let value): labels[key] == value
            case .notEquals(let key, let value): labels[key] != value
            case .isIn(let key, let values): labels[key].map(values.contains) ?? false
            case .notIn(let key, let values): !(labels[key].map(values.contains) ?? false)
            case .exists(let key): labels[key] != nil
            case .doesNotExist(let key): labels[key] == nil
            }
        }
    }

    /// Splits at commas that are not inside `( … )`.
    static func splitTerms(_ text: String) -> [String] {
        var terms: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            switch character {
            case "(": depth += 1; current.append(character)
            case ")": depth -= 1; current.append(character)
            case "," where depth == 0: terms.append(current); current = ""
            default: current.append(character)
            }
        }
        terms.append(current)
        return terms
    }

    static func requirement(_ term: String, in text: String) throws(SelectorParseError) -> Requirement {
        func validKey(_ key: String) throws(SelectorParseError) -> String {
            let key = key.trimming(" ")
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || "-_./".contains($0) }) else {
                throw SelectorParseError(selector: text, reason: "invalid label key \"\(key)\"")
            }
            return key
        }
        if term.hasPrefix("!") { return .doesNotExist(try validKey(String(term.dropFirst()))) }
        if let range = term.firstRange(of: "!=") {
            return .notEquals(try validKey(String(term[..<range.lowerBound])), String(term[range.upperBound...]).trimming(" "))
        }
        if let range = term.firstRange(of: "==") ?? term.firstRange(of: "=") {
            return .equals(try validKey(String(term[..<range.lowerBound])), String(term[range.upperBound...]).trimming(" "))
        }
        for (keyword, negated) in [(" notin ", true), (" in ", false)] {
            if let range = term.firstRange(of: keyword) {
                let key = try validKey(String(term[..<range.lowerBound]))
                let rest = term[range.upperBound...].trimming(" ")
                guard rest.hasPrefix("("), rest.hasSuffix(")") else {
                    throw SelectorParseError(selector: text, reason: "expected a parenthesised set of values after \"\(keyword.trimming(" "))\"")
                }
                let values = Set(rest.dropFirst().dropLast().split(separator: ",").map { $0.trimming(" ") })
                return negated ? .notIn(key, values) : .isIn(key, values)
            }
        }
        return .exists(try validKey(term))
    }
}

extension StringProtocol {
    /// The string without leading and trailing characters from `set`.
    /// Compares Unicode scalars, so "\r\n" in `set` trims a lone "\n" too.
    public func trimming(_ set: String) -> String {
        let scalars = Set(set.unicodeScalars)
        var slice = Substring(self).unicodeScalars[...]
        while let first = slice.first, scalars.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, scalars.contains(last) { slice = slice.dropLast() }
        return String(String.UnicodeScalarView(slice))
    }
}
