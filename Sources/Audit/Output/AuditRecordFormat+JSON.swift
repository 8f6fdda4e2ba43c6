import Foundation

extension AuditRecordFormat {
    // MARK: JSON lines

    static func jsonLine(_ r: StoredRecordView, _ bodies: StoredBodies, _ j: inout JSONText) throws {
        j.beginObject()
        j.time("time", microseconds: r.timestamp(.eventTime))
        j.string("writer", utf8: r.required(.writerID))
        j.number("seq", r.int64(.seq))
        j.uuid("auditID", bytes: r.required(.auditID))
        j.string("kind", utf8: r.required(.kind))
        j.string("stage", utf8: r.required(.stage))
        j.string("level", utf8: r.required(.level))
        j.string("user", utf8: r.required(.username))
        j.strings("groups", r.textArray(.groups))
        j.string("impersonatedUser", utf8: r.bytes(.impersonatedUser))
        j.string("cluster", utf8: r.required(.cluster))
        j.string("verb", utf8: r.required(.verb))
        j.string("requestURI", utf8: r.required(.requestURI))
        j.string("apiGroup", utf8: r.bytes(.apiGroup))
        j.string("resource", utf8: r.bytes(.resource))
        j.string("subresource", utf8: r.bytes(.subresource))
        j.string("namespace", utf8: r.bytes(.namespace))
        j.string("name", utf8: r.bytes(.name))
        j.number("status", r.optionalInt32(.statusCode).map(Int64.init))
        j.string("decision", utf8: r.required(.decision))
        j.string("rule", utf8: r.bytes(.decisionRule))
        j.string("authentication", utf8: r.required(.authnMethod))
        j.string("credential", utf8: r.bytes(.credentialID))
        j.number("latencyMicroseconds", r.int64(.latencyMicroseconds))
        j.number("bytesIn", r.int64(.bytesIn))
        j.number("bytesOut", r.int64(.bytesOut))
        j.strings("sourceIPs", r.textArray(.sourceIPs))
        j.string("userAgent", utf8: r.bytes(.userAgent))
        j.string("session", utf8: r.bytes(.sessionID))
        j.string("connection", utf8: r.bytes(.connectionID))
        j.string("kubectlSession", utf8: r.bytes(.kubectlSession))
        j.string("kubectlCommand", utf8: r.bytes(.kubectlCommand))
        // The event's own annotations (a session's exit code, chunk offsets, …), in key order;
        // absent when there are none, as for most requests.
        let extras = try StoredExtras(r.required(.extras))
        if extras.annotationCount > 0 {
            j.beginObject("annotations")
            var c = CanonicalByteCursor(extras.annotations)
            for _ in 0..<(try c.u32()) {
                j.key(utf8: try c.string())
                j.string(nil, utf8: try c.string())
            }
            j.endObject()
        }
        try body(&j, "requestBody", r, .requestBodyType, .requestBody, bodies)
        try body(&j, "responseBody", r, .responseBodyType, .responseBody, bodies)
        j.endObject()
    }

    /// A body as JSON when it is JSON, else (unless `asObjectOnly`) as base64 with its content type.
    /// Absent when the record carries no body (bodies are selected only when asked for).
    static func body(_ j: inout JSONText, _ key: StaticString, _ r: StoredRecordView, _ typeColumn: StoredColumn, _ bodyColumn: StoredColumn,
                     _ bodies: StoredBodies, asObjectOnly: Bool = false) throws {
        guard let stored = r.bytes(bodyColumn) else { return }
        let contentType = r.bytes(typeColumn).map { String(decoding: $0, as: UTF8.self) } ?? "application/octet-stream"
        let payload = try bodies.payload(stored)
        if contentType.hasPrefix("application/json"),
           let object = try? JSONSerialization.jsonObject(with: Data(payload), options: [.fragmentsAllowed]) {
            if payload.contains(0x0a) || payload.contains(0x0d) {
                // Pretty-printed JSON would break the one-event-a-line format: compact it.
                let compact = (try? JSONSerialization.data(withJSONObject: object, options: [.fragmentsAllowed])) ?? Data("null".utf8)
                j.raw(key, compact)
            } else {
                j.raw(key, payload)
            }
        } else if !asObjectOnly {
            j.beginObject(key)
            j.string("contentType", contentType)
            j.string("base64", Data(payload).base64EncodedString())
            j.endObject()
        }
    }

    // MARK: audit.k8s.io/v1

    static func k8sAuditLine(_ r: StoredRecordView, _ bodies: StoredBodies, _ j: inout JSONText) throws {
        let extras = try StoredExtras(r.required(.extras))
        j.beginObject()
        j.string("kind", literal: "Event")
        j.string("apiVersion", literal: "audit.k8s.io/v1")
        j.string("level", utf8: r.required(.level))
        j.uuid("auditID", bytes: r.required(.auditID))
        j.string("stage", utf8: r.required(.stage))
        j.string("requestURI", utf8: r.required(.requestURI))
        j.string("verb", utf8: r.required(.verb))
        j.beginObject("user")
        j.string("username", utf8: r.required(.username))
        if let uid = r.bytes(.userUID) { j.string("uid", utf8: uid) }
        j.strings("groups", r.textArray(.groups))
        userExtra(&j, extras.userExtra)
        j.endObject()
        if let impersonated = extras.impersonatedUser {
            var c = CanonicalByteCursor(impersonated)
            j.beginObject("impersonatedUser")
            j.string("username", utf8: try c.string())
            if let uid = try c.optionalString() { j.string("uid", utf8: uid) }
            j.beginArray("groups")
            for _ in 0..<(try c.u32()) { j.string(nil, utf8: try c.string()) }
            j.endArray()
            userExtra(&j, try c.skipStringListMap())
            j.endObject()
        }
        j.strings("sourceIPs", r.textArray(.sourceIPs))
        if let agent = r.bytes(.userAgent) { j.string("userAgent", utf8: agent) }
        if extras.hasObjectRef {
            j.beginObject("objectRef")
            if let value = r.bytes(.resource) { j.string("resource", utf8: value) }
            if let value = r.bytes(.namespace) { j.string("namespace", utf8: value) }
            if let value = r.bytes(.name) { j.string("name", utf8: value) }
            if let value = r.bytes(.apiGroup) { j.string("apiGroup", utf8: value) }
            if let value = r.bytes(.apiVersion) { j.string("apiVersion", utf8: value) }
            if let value = r.bytes(.subresource) { j.string("subresource", utf8: value) }
            j.endObject()
        }
        if let code = r.optionalInt32(.statusCode) {
            j.beginObject("responseStatus")
            j.beginObject("metadata")
            j.endObject()
            if let s = extras.status { j.string("status", utf8: s) }
            if let s = extras.message { j.string("message", utf8: s) }
            if let s = extras.reason { j.string("reason", utf8: s) }
            j.number("code", Int64(code))
            j.endObject()
        }
        try body(&j, "requestObject", r, .requestBodyType, .requestBody, bodies, asObjectOnly: true)
        try body(&j, "responseObject", r, .responseBodyType, .responseBody, bodies, asObjectOnly: true)
        j.time("requestReceivedTimestamp", microseconds: r.timestamp(.requestTime))
        j.time("stageTimestamp", microseconds: r.timestamp(.eventTime))
        j.beginObject("annotations")
        if extras.annotationCount == 0 {
            // The usual case: only Kubetrail's own annotations, already in key order.
            forEachKubetrailAnnotation(r) { key, value in
                switch value {
                case .text(let bytes): j.string(key, utf8: bytes)
                case .literal(let text): j.string(key, literal: text)
                case .decimal(let number): j.decimalString(key, number)
                }
            }
        } else {
            // The event's own annotations with Kubetrail's over them, all in key order.
            var annotations: [String: String] = [:]
            var c = CanonicalByteCursor(extras.annotations)
            for _ in 0..<(try c.u32()) {
                let key = String(decoding: try c.string(), as: UTF8.self)
                annotations[key] = String(decoding: try c.string(), as: UTF8.self)
            }
            forEachKubetrailAnnotation(r) { key, value in
                switch value {
                case .text(let bytes): annotations[key.description] = String(decoding: bytes, as: UTF8.self)
                case .literal(let text): annotations[key.description] = text.description
                case .decimal(let number): annotations[key.description] = String(number)
                }
            }
            // In the order of their UTF-8 bytes, as Go's encoding/json (kube-apiserver) sorts map keys.
            for key in annotations.keys.sorted(by: CanonicalByteWriter.utf8Less) {
                j.key(key)
                j.string(nil, annotations[key])
            }
        }
        j.endObject()
        j.endObject()
    }

    /// A value of one of Kubetrail's annotations, as the record holds it.
    enum AnnotationValue {
        case text(UnsafeRawBufferPointer)
        case literal(StaticString)
        case decimal(Int64)
    }

    /// Kubetrail's annotations on each event, in key order; those the record has no value for are left out.
    static func forEachKubetrailAnnotation(_ r: StoredRecordView, _ body: (StaticString, AnnotationValue) -> Void) {
        let allowed = r.required(.decision).elementsEqual("allow".utf8)
        body("authorization.k8s.io/decision", .literal(allowed ? "allow" : "forbid"))
        func text(_ key: StaticString, _ column: StoredColumn) {
            if let bytes = r.bytes(column) { body(key, .text(bytes)) }
        }
        text("authorization.k8s.io/reason", .decisionRule)
        text("kubetrail.io/authentication", .authnMethod)
        text("kubetrail.io/cluster", .cluster)
        text("kubetrail.io/connection", .connectionID)
        text("kubetrail.io/credential", .credentialID)
        text("kubetrail.io/kind", .kind)
        text("kubetrail.io/kubectl-command", .kubectlCommand)
        text("kubetrail.io/kubectl-session", .kubectlSession)
        body("kubetrail.io/seq", .decimal(r.int64(.seq)))
        text("kubetrail.io/session", .sessionID)
        text("kubetrail.io/writer", .writerID)
    }

    /// A user's `extra` (a stored `map<str, list<str>>`, keys in UTF-8 order), left out when empty.
    /// The bytes were checked when the extras were located, so reading them cannot fail.
    static func userExtra(_ j: inout JSONText, _ map: UnsafeRawBufferPointer) {
        var c = CanonicalByteCursor(map)
        guard let count = try? c.u32(), count > 0 else { return }
        j.beginObject("extra")
        for _ in 0..<count {
            guard let key = try? c.string(), let values = try? c.u32() else { break }
            j.key(utf8: key)
            j.beginArray()
            for _ in 0..<values {
                guard let value = try? c.string() else { break }
                j.string(nil, utf8: value)
            }
            j.endArray()
        }
        j.endObject()
    }
}
