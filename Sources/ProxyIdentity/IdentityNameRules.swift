/// Rules every user and group name must pass before it becomes an identity.
///
/// Names end up in `Impersonate-*` header values, so control characters (CR, LF, NUL …) are
/// refused outright; `system:` names are reserved for Kubernetes itself and refused unless allowed.
enum IdentityNameRules {
    static let systemPrefix = "system:"

    enum Violation: Equatable {
        case empty
        case controlCharacter
        case reservedSystemName
    }

    /// Checks a user name.
    static func checkUser(_ name: String, allowSystem: Bool) -> Violation? {
        if let violation = self.checkCharacters(name) { return violation }
        if !allowSystem && name.hasPrefix(self.systemPrefix) { return .reservedSystemName }
        return nil
    }

    /// Checks a group name; `system:authenticated` is always acceptable since every identity gets it anyway.
    static func checkGroup(_ name: String, allowSystem: Bool) -> Violation? {
        if let violation = self.checkCharacters(name) { return violation }
        if !allowSystem && name.hasPrefix(self.systemPrefix) && name != ProxyIdentity.authenticatedGroup {
            return .reservedSystemName
        }
        return nil
    }

    static func checkCharacters(_ name: String) -> Violation? {
        if name.isEmpty { return .empty }
        if self.containsControlCharacter(name) { return .controlCharacter }
        return nil
    }

    static func containsControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || (0x80...0x9F).contains($0.value) }
    }
}

extension Sequence<UInt8> {
    /// Lowercase hex, two digits a byte.
    var lowercaseHex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
