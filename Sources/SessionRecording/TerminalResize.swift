import KubeAPI

/// Terminal size from a resize frame ({"Width":80,"Height":24}).
///
/// Read as the kubelet's Go decoder reads client-go's `TerminalSize`: keys match
/// case-insensitively, a missing or null dimension is 0, anything but an integer in 0...65535
/// is refused.
public struct TerminalResize: Sendable, Equatable {
    /// Columns.
    public var width: UInt16
    /// Rows.
    public var height: UInt16

    public init(width: UInt16, height: UInt16) {
        self.width = width
        self.height = height
    }

    /// The size in one resize message (kubectl writes one JSON object and a newline per
    /// message); nil when the bytes are not such an object.
    public static func parse(_ bytes: [UInt8]) -> TerminalResize? {
        guard let object = try? JSONParser.parse(bytes).objectValue,
            let width = dimension(object.goMember("Width")),
            let height = dimension(object.goMember("Height"))
        else { return nil }
        return TerminalResize(width: width, height: height)
    }

    private static func dimension(_ value: JSONValue?) -> UInt16? {
        switch value {
        case nil, .null?: return 0
        case .int(let number)?: return UInt16(exactly: number)
        default: return nil
        }
    }
}
