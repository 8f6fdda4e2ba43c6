import Audit
import Foundation
import KubeAPI
import KubeProto

/// An API session (the requests of one kubectl run) as a timeline, one event at a time: each
/// request as it arrived (→) and as it was answered (←), times from the session's first
/// request, stored bodies decompressed underneath (Kubernetes protobuf shown as its JSON).
public struct APITimelineRenderer {
    public enum Format: Sendable {
        /// Lines for people.
        case text
        /// One JSON object per event, bodies as text (`body`) or, when not UTF-8, base64 (`base64`).
        case json
    }

    public let session: String
    public let format: Format
    private var origin: Int64?
    /// Requests whose body was shown on arrival, so their completion does not repeat it (only
    /// requests in flight are kept).
    private var shownRequestBodies: Set<UUID> = []

    public init(session: String, format: Format) {
        self.session = session
        self.format = format
    }

    /// The text for one request event (the first one also opens the timeline).
    public mutating func render(_ record: AuditRecord) -> String {
        let e = record.event
        var text = ""
        if origin == nil {
            origin = e.requestReceivedTimestamp.microsecondsSince1970
            if format == .text {
                text += "# API session \(session): \(e.user.username) on \(e.cluster)"
                    + (e.kubectlCommand.map { ", \($0)" } ?? "") + ", from \(e.requestReceivedTimestamp.rfc3339Microseconds)\n"
            }
        }
        let offset = e.stageTimestamp.microsecondsSince1970 - (origin ?? 0)
        var requestBody: Payload?
        if let body = e.requestBody, !shownRequestBodies.contains(e.auditID) {
            requestBody = body
            if e.stage == .requestReceived { shownRequestBodies.insert(e.auditID) }
        }
        if e.stage == .responseComplete || e.stage == .panic { shownRequestBodies.remove(e.auditID) }
        switch format {
        case .text: text += Self.line(e, offset: offset, requestBody: requestBody)
        case .json: text += Self.json(e, offset: offset, requestBody: requestBody)
        }
        return text
    }

    /// The text after the last event.
    public func end() -> String {
        origin == nil && format == .text ? "# API session \(session): no requests\n" : ""
    }

    static func line(_ e: AuditEvent, offset: Int64, requestBody: Payload?) -> String {
        let time = String(format: "+%.3fs", Double(offset) / 1_000_000).padding(toLength: 10, withPad: " ", startingAt: 0)
        let request = "\(e.verb.uppercased()) \(e.requestURI)"
        var line: String
        switch e.stage {
        case .requestReceived:
            line = "\(time) → \(request)"
        case .responseStarted:
            let code = e.responseStatus.map { "\($0.code)" } ?? "…"
            line = "\(time) ⇄ \(code) \(request)"
            if let session = e.sessionID, session != e.kubectlSession, session != e.connectionID {
                line += " (interactive session: kubetrail replay \(session))"
            }
        case .responseComplete, .panic:
            let code = e.responseStatus.map { "\($0.code)" } ?? "---"
            line = "\(time) ← \(code) \(request) " + String(format: "%.1f ms", Double(e.latencyMicroseconds) / 1000)
                + ", \(e.bytesIn) B in, \(e.bytesOut) B out"
            if e.decision != .allow { line += ", \(e.decision.rawValue)" + (e.decisionRule.map { " by \($0)" } ?? "") }
            if e.stage == .panic { line += ", proxy failure" }
        }
        line += "\n"
        if let body = requestBody { line += bodyText("request", body) }
        if let body = e.responseBody { line += bodyText("response", body) }
        return line
    }

    static func bodyText(_ name: String, _ body: Payload) -> String {
        let (text, isText) = readable(body)
        var out = "           \(name) body (\(body.contentType), \(body.bytes.count) bytes)"
        guard isText else { return out + ", not text\n" }
        out += ":\n"
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            out += "             " + line + "\n"
        }
        return out
    }

    /// The body as text: UTF-8 as it is, Kubernetes protobuf as its JSON; false when neither.
    static func readable(_ body: Payload) -> (String, Bool) {
        if KubernetesProtobuf.isEnvelope(body.bytes), let json = try? KubernetesProtobuf.json(fromProtobuf: body.bytes) {
            return (String(decoding: json, as: UTF8.self), true)
        }
        if let text = String(validating: body.bytes, as: UTF8.self) { return (text, true) }
        return ("", false)
    }

    static func json(_ e: AuditEvent, offset: Int64, requestBody: Payload?) -> String {
        var members: [JSONObject.Member] = [
            .init(key: "offset", value: .int(offset)), .init(key: "time", value: .string(e.stageTimestamp.rfc3339Microseconds)),
            .init(key: "auditID", value: .string(e.auditID.uuidString.lowercased())), .init(key: "stage", value: .string(e.stage.rawValue)),
            .init(key: "verb", value: .string(e.verb)), .init(key: "requestURI", value: .string(e.requestURI)),
            .init(key: "user", value: .string(e.user.username)), .init(key: "cluster", value: .string(e.cluster)),
            .init(key: "decision", value: .string(e.decision.rawValue)),
        ]
        if let status = e.responseStatus { members.append(.init(key: "code", value: .int(Int64(status.code)))) }
        if e.stage == .responseComplete {
            members += [.init(key: "latencyMicroseconds", value: .int(e.latencyMicroseconds)),
                        .init(key: "bytesIn", value: .int(e.bytesIn)), .init(key: "bytesOut", value: .int(e.bytesOut))]
        }
        if let session = e.sessionID { members.append(.init(key: "session", value: .string(session))) }
        for (name, body) in [("requestBody", requestBody), ("responseBody", e.responseBody)] {
            guard let body else { continue }
            let (text, isText) = readable(body)
            members.append(.init(key: name, value: .object(JSONObject(members: [
                .init(key: "contentType", value: .string(body.contentType)),
                isText ? .init(key: "body", value: .string(text)) : .init(key: "base64", value: .string(Data(body.bytes).base64EncodedString())),
            ]))))
        }
        return JSONSerializer.string(.object(JSONObject(members: members))) + "\n"
    }
}
