import Foundation
import SwiftProtobuf

/// Kubernetes protobuf bodies (`application/vnd.kubernetes.protobuf`) and their JSON forms.
///
/// kubectl's typed create commands send protobuf and accept it back; this converts those
/// bodies to and from the JSON that kube-apiserver's JSON serializer reads and writes (Go's
/// encoding/json over the API structs: RFC 3339 times, IntOrString as number or string,
/// quantities as strings, inline structs flattened, Go's omitempty rules), for the kinds
/// listed in ``supports(apiVersion:kind:)``.
public enum KubernetesProtobuf {
    /// The media type of Kubernetes protobuf bodies.
    public static let contentType = "application/vnd.kubernetes.protobuf"

    /// The 4-byte prefix of every envelope.
    static let magic: [UInt8] = [0x6B, 0x38, 0x73, 0x00]

    /// Whether the bytes start with the `k8s\0` magic.
    public static func isEnvelope(_ bytes: [UInt8]) -> Bool {
        bytes.count >= magic.count && bytes[0..<magic.count].elementsEqual(magic)
    }

    /// Splits an envelope into its parts; the object's message stays encoded in `raw`.
    public static func unwrap(_ bytes: [UInt8]) throws(KubernetesProtobufError) -> KubernetesProtobufEnvelope {
        guard isEnvelope(bytes) else {
            throw KubernetesProtobufError(.notAnEnvelope, "not a Kubernetes protobuf envelope (no k8s\\0 prefix)")
        }
        let unknown: Runtime_Unknown
        do {
            unknown = try Runtime_Unknown(serializedBytes: Array(bytes[magic.count...]))
        } catch {
            throw KubernetesProtobufError(.malformedProtobuf, "malformed protobuf envelope: \(error)")
        }
        return KubernetesProtobufEnvelope(
            apiVersion: unknown.typeMeta.apiVersion,
            kind: unknown.typeMeta.kind,
            raw: Array(unknown.raw),
            contentEncoding: unknown.contentEncoding,
            contentType: unknown.contentType
        )
    }

    /// Builds an envelope, byte for byte as Go writes it (all four fields present).
    public static func wrap(_ envelope: KubernetesProtobufEnvelope) -> [UInt8] {
        var unknown = Runtime_Unknown()
        unknown.typeMeta.apiVersion = envelope.apiVersion
        unknown.typeMeta.kind = envelope.kind
        unknown.raw = Data(envelope.raw)
        unknown.contentEncoding = envelope.contentEncoding
        unknown.contentType = envelope.contentType
        // Serializing a message without required fields cannot fail.
        let body: [UInt8] = (try? unknown.serializedBytes()) ?? []
        return magic + body
    }

    /// Protobuf envelope -> Kubernetes JSON (UTF-8 bytes of one object, with "apiVersion" and
    /// "kind" set), for the supported kinds.
    ///
    /// Kinds without TypeMeta in Go (WatchEvent) get no "apiVersion"/"kind", as in Go's JSON.
    public static func json(fromProtobuf bytes: [UInt8]) throws(KubernetesProtobufError) -> [UInt8] {
        JSONWriter.bytes(try jsonValue(fromProtobuf: bytes))
    }

    /// Like ``json(fromProtobuf:)``, as a parsed value.
    public static func jsonValue(fromProtobuf bytes: [UInt8]) throws(KubernetesProtobufError) -> GoJSONValue {
        try KubeObjectTranscoder(rejectUnknownFields: true, envelopeDepth: 0).jsonValue(fromEnvelope: bytes, path: "")
    }

    /// Kubernetes JSON object -> protobuf envelope; apiVersion/kind are read from the JSON.
    ///
    /// - Parameter rejectUnknownFields: strict decoding (kubectl's `fieldValidation=Strict`):
    ///   unknown or duplicate members are an error naming all of them. When false they are
    ///   ignored and the last duplicate wins, as in Go's non-strict decoding.
    public static func protobuf(fromJSON bytes: [UInt8], rejectUnknownFields: Bool = true)
        throws(KubernetesProtobufError) -> [UInt8]
    {
        try protobuf(fromJSON: JSONParser.parse(bytes), apiVersion: nil, kind: nil, rejectUnknownFields: rejectUnknownFields)
    }

    /// Kubernetes JSON object -> protobuf envelope of the given kind, for objects whose JSON
    /// carries no TypeMeta (a watch event: `{"type":"ADDED","object":{...}}`), or to override it.
    public static func protobuf(
        fromJSON json: GoJSONValue,
        apiVersion: String?,
        kind: String?,
        rejectUnknownFields: Bool = true
    ) throws(KubernetesProtobufError) -> [UInt8] {
        let problems = KubeJSONStrictProblems()
        let transcoder = KubeObjectTranscoder(rejectUnknownFields: rejectUnknownFields, envelopeDepth: 0)
        let envelope = try transcoder.envelope(fromJSON: json, apiVersion: apiVersion, kind: kind, path: "", problems: problems)
        if let error = problems.error() {
            throw error
        }
        return envelope
    }

    /// Whether this module transcodes objects of this apiVersion and kind.
    public static func supports(apiVersion: String, kind: String) -> Bool {
        KubernetesKinds.messageType(apiVersion: apiVersion, kind: kind) != nil
    }
}
