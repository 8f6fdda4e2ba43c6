/// Why a body could not be transcoded, and where.
public struct KubernetesProtobufError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure, for callers that map errors to HTTP statuses.
    public enum Code: Sendable, Equatable {
        /// The bytes do not start with the `k8s\0` magic.
        case notAnEnvelope
        /// The protobuf bytes (envelope or object) are truncated or malformed.
        case malformedProtobuf
        /// The JSON text is not valid JSON.
        case malformedJSON
        /// The apiVersion/kind pair is not one this module transcodes.
        case unsupportedKind
        /// A JSON object has a member the Kubernetes type does not declare (strict decoding).
        case unknownField
        /// A JSON object has the same member twice (strict decoding).
        case duplicateField
        /// A JSON value has the wrong JSON type for its field.
        case wrongType
        /// A JSON or protobuf value has the right type but an invalid value (bad time, base64, ...).
        case invalidValue
        /// The JSON object has no usable `apiVersion` / `kind`.
        case missingTypeMeta
    }

    public var code: Code
    /// The JSON field path, e.g. `spec.template.spec.containers[0].ports[1].containerPort`;
    /// empty when the problem is the body as a whole.
    public var path: String
    /// What was wrong, in words.
    public var message: String

    public init(_ code: Code, path: String = "", _ message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String {
        path.isEmpty ? message : "\(path): \(message)"
    }
}
