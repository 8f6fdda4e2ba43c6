import Foundation
import SwiftProtobuf

/// Transcodes one whole object between a protobuf envelope and Kubernetes JSON.
struct KubeObjectTranscoder {
    /// Envelopes nest through RawExtension (WatchEvent.object, List.items); deeper is refused.
    static let maximumEnvelopeDepth = 8

    let rejectUnknownFields: Bool
    let envelopeDepth: Int

    // MARK: protobuf -> JSON

    func jsonValue(fromEnvelope bytes: [UInt8], path: String) throws(KubernetesProtobufError) -> GoJSONValue {
        guard envelopeDepth <= Self.maximumEnvelopeDepth else {
            throw KubernetesProtobufError(.malformedProtobuf, path: path, "envelopes nested deeper than \(Self.maximumEnvelopeDepth)")
        }
        let envelope = try KubernetesProtobuf.unwrap(bytes)
        guard envelope.contentEncoding.isEmpty else {
            throw KubernetesProtobufError(.invalidValue, path: path, "unsupported contentEncoding \"\(envelope.contentEncoding)\"")
        }
        guard envelope.contentType.isEmpty || envelope.contentType == KubernetesProtobuf.contentType else {
            throw KubernetesProtobufError(.invalidValue, path: path, "unsupported contentType \"\(envelope.contentType)\"")
        }
        guard let messageType = KubernetesKinds.messageType(apiVersion: envelope.apiVersion, kind: envelope.kind) else {
            throw KubernetesKinds.unsupported(apiVersion: envelope.apiVersion, kind: envelope.kind, path: path)
        }
        let message = try decode(messageType, from: envelope.raw, kind: envelope.kind, path: path)
        let renderer = KubeJSONRenderer(envelopeDepth: envelopeDepth)
        guard case .object(let members) = try renderer.render(message, path: path) else {
            throw KubernetesProtobufError(.unsupportedKind, path: path, "\(envelope.kind) does not render as an object")
        }
        guard GoJSONSchema.message(messageType.protoMessageName)?.inlinesTypeMeta == true else {
            return .object(members)
        }
        // metav1.TypeMeta is the first (inline) field of every such Go struct: kind, then apiVersion.
        return .object([GoJSONMember("kind", .string(envelope.kind)), GoJSONMember("apiVersion", .string(envelope.apiVersion))] + members)
    }

    private func decode<M: SwiftProtobuf.Message>(_: M.Type, from raw: [UInt8], kind: String, path: String)
        throws(KubernetesProtobufError) -> M
    {
        do {
            return try M(serializedBytes: raw)
        } catch {
            throw KubernetesProtobufError(.malformedProtobuf, path: path, "malformed \(kind) protobuf: \(error)")
        }
    }

    // MARK: JSON -> protobuf

    /// `apiVersion`/`kind` override (or stand in for) the JSON's own members.
    func envelope(
        fromJSON json: GoJSONValue,
        apiVersion: String?,
        kind: String?,
        path: String,
        problems: KubeJSONStrictProblems
    ) throws(KubernetesProtobufError) -> [UInt8] {
        guard envelopeDepth <= Self.maximumEnvelopeDepth else {
            throw KubernetesProtobufError(.invalidValue, path: path, "objects nested deeper than \(Self.maximumEnvelopeDepth)")
        }
        guard case .object = json else {
            throw KubernetesProtobufError(.wrongType, path: path, "expected a JSON object, got \(json.typeDescription)")
        }
        let apiVersion = try resolved(apiVersion, "apiVersion", of: json, path: path)
        let kind = try resolved(kind, "kind", of: json, path: path)
        guard let messageType = KubernetesKinds.messageType(apiVersion: apiVersion, kind: kind) else {
            throw KubernetesKinds.unsupported(apiVersion: apiVersion, kind: kind, path: path)
        }
        let reader = KubeJSONMessageReader(
            rejectUnknownFields: rejectUnknownFields,
            envelopeDepth: envelopeDepth,
            problems: problems
        )
        let raw = try encode(messageType, from: json, reader: reader, path: path)
        return KubernetesProtobuf.wrap(KubernetesProtobufEnvelope(apiVersion: apiVersion, kind: kind, raw: raw))
    }

    private func resolved(_ given: String?, _ key: String, of json: GoJSONValue, path: String)
        throws(KubernetesProtobufError) -> String
    {
        if let given { return given }
        guard case .string(let value)? = json[key], !value.isEmpty else {
            throw KubernetesProtobufError(.missingTypeMeta, path: path, "the object has no \"\(key)\" string")
        }
        return value
    }

    private func encode<M: SwiftProtobuf.Message>(
        _: M.Type,
        from json: GoJSONValue,
        reader: KubeJSONMessageReader,
        path: String
    ) throws(KubernetesProtobufError) -> [UInt8] {
        let message = try reader.read(M.self, from: json, path: path, extraKeys: ["apiVersion", "kind"])
        var options = BinaryEncodingOptions()
        // Go's generated marshallers write map entries sorted by key.
        options.useDeterministicOrdering = true
        do {
            return try message.serializedBytes(partial: true, options: options)
        } catch {
            throw KubernetesProtobufError(.invalidValue, path: path, "cannot serialize \(M.protoMessageName): \(error)")
        }
    }
}
