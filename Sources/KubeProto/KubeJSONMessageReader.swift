import SwiftProtobuf

/// Unknown and duplicate JSON members found while decoding one document.
///
/// Strict Kubernetes decoding reports all of them together, after the whole document was read,
/// so they are collected instead of thrown. Confined to one decode call.
final class KubeJSONStrictProblems {
    private(set) var unknown: [String] = []
    private(set) var duplicate: [String] = []

    func recordUnknown(_ path: String) { unknown.append(path) }
    func recordDuplicate(_ path: String) { duplicate.append(path) }

    /// Go's wording: `unknown field "spec.foo", duplicate field "metadata.name"`.
    func error() -> KubernetesProtobufError? {
        let all = unknown.map { "unknown field \"\($0)\"" } + duplicate.map { "duplicate field \"\($0)\"" }
        guard let first = unknown.first ?? duplicate.first else { return nil }
        return KubernetesProtobufError(
            unknown.isEmpty ? .duplicateField : .unknownField,
            path: first,
            "strict decoding error: " + all.joined(separator: ", ")
        )
    }
}

/// Builds generated messages from Kubernetes JSON, the way kube-apiserver's (strict) JSON
/// decoding fills the Go struct that its protobuf marshaller then writes.
struct KubeJSONMessageReader {
    let rejectUnknownFields: Bool
    let envelopeDepth: Int
    let problems: KubeJSONStrictProblems

    /// Decodes `M` from a JSON value, or Go's zero value when `json` is nil.
    /// `extraKeys` are top-level members consumed by the caller (apiVersion/kind).
    func read<M: SwiftProtobuf.Message>(
        _ type: M.Type,
        from json: GoJSONValue?,
        path: String,
        extraKeys: Set<String> = []
    ) throws(KubernetesProtobufError) -> M {
        if let special = KubeSpecialType(protoName: M.protoMessageName) {
            return try special.message(M.self, from: json, path: path, reader: self)
        }
        let schema = try schema(of: M.self, path: path)
        let members: [GoJSONMember]
        switch json {
        case nil: members = []
        case .object(let objectMembers)?: members = objectMembers
        case let other?:
            throw KubernetesProtobufError(.wrongType, path: path, "expected object, got JSON \(other.typeDescription)")
        }
        try checkMembers(members, of: schema, path: path, extraKeys: extraKeys)
        return try decode(M.self, schema: schema, members: members, path: path)
    }

    /// Decodes an inline (embedded) struct from its parent's members; the parent checked them.
    func read<M: SwiftProtobuf.Message>(_ type: M.Type, inlineMembers: [GoJSONMember], path: String)
        throws(KubernetesProtobufError) -> M
    {
        try decode(M.self, schema: try schema(of: M.self, path: path), members: inlineMembers, path: path)
    }

    /// RawExtension content: a nested protobuf envelope for a supported object, else the JSON text.
    func embeddedBytes(_ json: GoJSONValue, path: String) throws(KubernetesProtobufError) -> [UInt8] {
        if case .string(let apiVersion)? = json["apiVersion"], case .string(let kind)? = json["kind"],
            KubernetesKinds.messageType(apiVersion: apiVersion, kind: kind) != nil
        {
            let nested = KubeObjectTranscoder(rejectUnknownFields: rejectUnknownFields, envelopeDepth: envelopeDepth + 1)
            return try nested.envelope(fromJSON: json, apiVersion: nil, kind: nil, path: path, problems: problems)
        }
        return JSONWriter.bytes(json)
    }

    private func schema<M: SwiftProtobuf.Message>(of _: M.Type, path: String) throws(KubernetesProtobufError)
        -> GoJSONMessage
    {
        guard let schema = GoJSONSchema.message(M.protoMessageName), !schema.hasCustomJSON else {
            throw KubernetesProtobufError(.unsupportedKind, path: path, "no JSON layout for \(M.protoMessageName)")
        }
        return schema
    }

    private func checkMembers(_ members: [GoJSONMember], of schema: GoJSONMessage, path: String, extraKeys: Set<String>)
        throws(KubernetesProtobufError)
    {
        var seen = Set<String>()
        for member in members {
            let memberPath = join(path, member.key)
            if !seen.insert(member.key).inserted {
                if rejectUnknownFields { problems.recordDuplicate(memberPath) }
                continue
            }
            let isTypeMeta = member.key == "apiVersion" || member.key == "kind"
            if isTypeMeta, schema.inlinesTypeMeta || extraKeys.contains(member.key) {
                if case .string = member.value { continue }
                if member.value == .null { continue }
                throw KubernetesProtobufError(
                    .wrongType, path: memberPath, "expected string, got JSON \(member.value.typeDescription)")
            }
            if extraKeys.contains(member.key) { continue }
            if rejectUnknownFields, !schema.jsonKeys.contains(member.key) {
                problems.recordUnknown(memberPath)
            }
        }
    }

    private func decode<M: SwiftProtobuf.Message>(
        _: M.Type,
        schema: GoJSONMessage,
        members: [GoJSONMember],
        path: String
    ) throws(KubernetesProtobufError) -> M {
        var entries: [KubeJSONFieldEntry] = []
        entries.reserveCapacity(schema.fields.count)
        for field in schema.fields {
            if field.isInline {
                entries.append(KubeJSONFieldEntry(field: field, input: .inline(members), path: path))
                continue
            }
            // With duplicates (non-strict), Go's decoder keeps the last value.
            let value = members.last(where: { $0.key == field.jsonName })?.value
            let fieldPath = join(path, field.jsonName)
            switch value {
            case nil, .null?:
                // Go writes every non-pointer field except nil slices, maps and []byte.
                if field.shape == .single, !field.isPointer, field.valueType != .bytes {
                    entries.append(KubeJSONFieldEntry(field: field, input: .zero, path: fieldPath))
                }
            case let value?:
                entries.append(KubeJSONFieldEntry(field: field, input: .json(value), path: fieldPath))
            }
        }
        var message = M()
        var decoder = KubeJSONFieldDecoder(reader: self, entries: entries)
        do {
            try message.decodeMessage(decoder: &decoder)
        } catch let error as KubernetesProtobufError {
            throw error
        } catch {
            throw KubernetesProtobufError(.invalidValue, path: path, "cannot build \(M.protoMessageName): \(error)")
        }
        return message
    }

    private func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : path + "." + key
    }
}
