/// One media type with parameters, as in `Accept` and `Content-Type`:
/// `application/json;as=Table;v=v1;g=meta.k8s.io`.
public struct MediaType: Sendable, Equatable, CustomStringConvertible {
    public var type: String
    public var subtype: String
    /// Parameters in order, names lowercased.
    public var parameters: [(String, String)]

    public init(type: String, subtype: String, parameters: [(String, String)] = []) {
        self.type = type.lowercased()
        self.subtype = subtype.lowercased()
        self.parameters = parameters
    }

    /// Parses one media type; `nil` when it has no `type/subtype`.
    public init?(parsing text: some StringProtocol) {
        let pieces = text.split(separator: ";", omittingEmptySubsequences: false)
        guard let essence = pieces.first else { return nil }
        let typeParts = essence.trimming(" \t").split(separator: "/", maxSplits: 1)
        guard typeParts.count == 2, !typeParts[0].isEmpty, !typeParts[1].isEmpty else { return nil }
        var parameters: [(String, String)] = []
        for piece in pieces.dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            var value = pair[1].trimming(" \t")
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            parameters.append((pair[0].trimming(" \t").lowercased(), value))
        }
        self.init(type: String(typeParts[0]), subtype: String(typeParts[1]), parameters: parameters)
    }

    /// `type/subtype`.
    public var essence: String { "\(type)/\(subtype)" }

    /// The value of parameter `name`.
    public func parameter(_ name: String) -> String? { parameters.first { $0.0 == name }?.1 }

    public var description: String {
        ([essence] + parameters.map { "\($0.0)=\($0.1)" }).joined(separator: ";")
    }

    /// Whether this range (possibly `*/*` or `application/*`) accepts `essence`.
    public func accepts(_ essence: String) -> Bool {
        let parts = essence.split(separator: "/", maxSplits: 1)
        guard parts.count == 2 else { return false }
        return (type == "*" || type == parts[0]) && (subtype == "*" || subtype == parts[1])
    }

    public static func == (lhs: MediaType, rhs: MediaType) -> Bool {
        lhs.type == rhs.type && lhs.subtype == rhs.subtype && lhs.parameters.elementsEqual(rhs.parameters, by: { $0 == $1 })
    }

    public static let json = MediaType(type: "application", subtype: "json")
    public static let protobuf = MediaType(type: "application", subtype: "vnd.kubernetes.protobuf")
    public static let yaml = MediaType(type: "application", subtype: "yaml")

    /// The ranges of an `Accept` header in the order given (Kubernetes clients list preference
    /// first and send no q-values that change it).
    public static func parseAccept(_ header: String?) -> [MediaType] {
        guard let header, !header.isEmpty else { return [MediaType(type: "*", subtype: "*")] }
        return header.split(separator: ",").compactMap { MediaType(parsing: $0) }
    }
}

/// The representation a response is written in, chosen from the client's `Accept`.
public enum ResponseRepresentation: Sendable, Equatable {
    /// A `meta.k8s.io/v1 Table` (kubectl get's columns), in JSON.
    case table
    /// The object (or list) as JSON.
    case json
    /// The object in the Kubernetes protobuf envelope.
    case protobuf

    /// Picks the first range in `accept` the server can serve. Tables only where `tableAllowed`;
    /// protobuf only where `protobufAllowed`. `nil` when nothing acceptable remains (406).
    public static func negotiate(
        _ accept: [MediaType], tableAllowed: Bool, protobufAllowed: Bool
    ) -> ResponseRepresentation? {
        for range in accept {
            if range.essence == "application/json", let asKind = range.parameter("as") {
                if asKind == "Table", tableAllowed, range.parameter("g") == "meta.k8s.io",
                    ["v1", "v1beta1"].contains(range.parameter("v") ?? "")
                {
                    return .table
                }
                continue  // PartialObjectMetadata and other "as" forms: not served here
            }
            if range.accepts("application/json") { return .json }
            if range.essence == "application/vnd.kubernetes.protobuf", range.parameter("as") == nil {
                if protobufAllowed { return .protobuf }
                continue
            }
        }
        return nil
    }
}
