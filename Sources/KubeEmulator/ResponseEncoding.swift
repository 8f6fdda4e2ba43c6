import KubeAPI

/// Writes objects and lists in the representation the client asked for: JSON, Table or protobuf.
extension EmulatedAPIServer {
    func representation(_ request: EmulatorRequest, type: ResourceType, protobufAllowed: Bool = true) throws -> ResponseRepresentation {
        let accept = MediaType.parseAccept(request.header("accept"))
        guard let chosen = ResponseRepresentation.negotiate(
            accept, tableAllowed: true, protobufAllowed: protobufAllowed && ObjectTranscoding.supportsProtobuf(type))
        else { throw KubernetesStatus.notAcceptable() }
        return chosen
    }

    func respond(object: JSONValue, type: ResourceType, request: EmulatorRequest, status: Int = 200) throws -> EmulatorResponse {
        switch try representation(request, type: type) {
        case .table:
            let table = TableConverter(nowMicroseconds: KubernetesTime.nowMicroseconds()).table(
                [object], type: type, resourceVersion: object[path: ["metadata", "resourceVersion"]]?.stringValue ?? "")
            return encoded(.json(table, status: status), request: request)
        case .json:
            return encoded(.json(object, status: status), request: request)
        case .protobuf:
            let bytes = try ObjectTranscoding.protobuf(object)
            return .full(status: status, headers: [("content-type", KubeAPIContentType.protobuf)], body: bytes)
        }
    }

    func respondList(_ items: [JSONValue], type: ResourceType, revision: Int64, request: EmulatorRequest,
                     continueToken: String? = nil, remaining: Int? = nil) throws -> EmulatorResponse {
        let representation = try representation(request, type: type)
        if representation == .table {
            let table = TableConverter(nowMicroseconds: KubernetesTime.nowMicroseconds()).table(
                items, type: type, resourceVersion: String(revision), continueToken: continueToken)
            return encoded(.json(table), request: request)
        }
        var metadata = JSONObject(["resourceVersion": .string(String(revision))])
        if let continueToken { metadata["continue"] = .string(continueToken) }
        if let remaining { metadata["remainingItemCount"] = .int(Int64(remaining)) }
        let list: JSONValue = .object(JSONObject([
            "kind": .string(type.listKind), "apiVersion": .string(type.apiVersion), "metadata": .object(metadata),
            "items": .array(items.map { item in
                var item = item
                item["kind"] = nil
                item["apiVersion"] = nil
                return item
            }),
        ]))
        if representation == .protobuf {
            return .full(status: 200, headers: [("content-type", KubeAPIContentType.protobuf)], body: try ObjectTranscoding.protobuf(list))
        }
        return encoded(.json(list), request: request)
    }

    /// gzip-encodes a large body for a client that accepts it, as kube-apiserver does.
    func encoded(_ response: EmulatorResponse, request: EmulatorRequest) -> EmulatorResponse {
        guard case .full(let status, var headers, let body) = response, body.count >= options.gzipThresholdBytes,
            let accepted = request.header("accept-encoding"),
            accepted.split(separator: ",").contains(where: { $0.trimming(" ").hasPrefix("gzip") })
        else { return response }
        guard let compressed = try? GzipEncoder.compress(body) else { return response }
        headers.append(("content-encoding", "gzip"))
        headers.append(("vary", "Accept-Encoding"))
        return .full(status: status, headers: headers, body: compressed)
    }
}

/// Content types the API speaks.
enum KubeAPIContentType {
    static let protobuf = "application/vnd.kubernetes.protobuf"
}
