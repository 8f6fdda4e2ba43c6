import Audit
import Foundation
import Testing

/// Each output format parsed back by an independent reader.
@Suite struct RecordFormatTests {
    static var records: [AuditRecord] {
        var events = Fixtures.events(60)
        events.append(CanonicalEventEncodingTests.fixed)
        var odd = CanonicalEventEncodingTests.fixed
        odd.user = UserInfo(username: "o'brien, \"the\" admin", groups: ["a,b", "c\nd"])
        odd.requestURI = "/api/v1/namespaces/x/configmaps?labelSelector=a%3Db,c"
        odd.requestBody = Payload(contentType: "application/vnd.kubernetes.protobuf", bytes: [0x6b, 0x38, 0x73, 0x00])
        events.append(odd)
        var pretty = CanonicalEventEncodingTests.fixed
        pretty.requestBody = Payload(contentType: "application/json", bytes: Array("{\n  \"kind\": \"ConfigMap\",\n  \"data\": {\"a\": \"line\\nbreak\"}\n}\n".utf8))
        events.append(pretty)
        return events.enumerated().map { AuditRecord(writerID: "w-1", seq: UInt64($0.offset + 1), event: $0.element) }
    }

    @Test func csvParsesBackWithAnRFC4180Reader() throws {
        let format = AuditRecordFormat.csv
        let text = ([format.header!] + (try Self.records.map(format.line))).joined(separator: "\n") + "\n"
        let rows = try CSVReader.parse(text)
        #expect(rows.count == Self.records.count + 1)
        let header = rows[0]
        for (row, record) in zip(rows.dropFirst(), Self.records) {
            #expect(row.count == header.count)
            let field = { (name: String) in row[header.firstIndex(of: name)!] }
            #expect(field("user") == record.event.user.username)
            #expect(field("groups") == record.event.user.groups.joined(separator: ";"))
            #expect(field("request_uri") == record.event.requestURI)
            #expect(field("seq") == String(record.seq))
            #expect(field("status") == (record.event.responseStatus.map { String($0.code) } ?? ""))
        }
    }

    @Test func jsonLinesAreJSON() throws {
        for record in Self.records {
            let line = try AuditRecordFormat.json.line(record)
            #expect(!line.contains("\n"))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if let body = record.event.requestBody, body.contentType == "application/json" {
                let sent = try JSONSerialization.jsonObject(with: Data(body.bytes)) as? NSDictionary
                #expect((object["requestBody"] as? NSDictionary) == sent)
            }
            #expect(object["user"] as? String == record.event.user.username)
            #expect(object["groups"] as? [String] == record.event.user.groups)
            #expect(object["auditID"] as? String == record.event.auditID.uuidString.lowercased())
            // The event's own annotations, and only when it has some.
            #expect((object["annotations"] as? [String: String]) == (record.event.annotations.isEmpty ? nil : record.event.annotations))
        }
    }

    /// The shape of audit.k8s.io/v1 Event that log shippers expect (k8s.io/apiserver/pkg/apis/audit/v1).
    struct K8sEvent: Decodable {
        struct User: Decodable { var username: String; var uid: String?; var groups: [String]?; var extra: [String: [String]]? }
        struct ObjectRef: Decodable { var resource: String?; var namespace: String?; var name: String?; var apiGroup: String?; var apiVersion: String?; var subresource: String? }
        struct Status: Decodable { var code: Int32?; var status: String?; var reason: String?; var message: String? }
        var kind: String
        var apiVersion: String
        var level: String
        var auditID: String
        var stage: String
        var requestURI: String
        var verb: String
        var user: User
        var impersonatedUser: User?
        var sourceIPs: [String]?
        var userAgent: String?
        var objectRef: ObjectRef?
        var responseStatus: Status?
        var requestReceivedTimestamp: String
        var stageTimestamp: String
        var annotations: [String: String]?
    }

    @Test func k8sAuditDecodesAsAuditV1Events() throws {
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for record in Self.records {
            let e = record.event
            let decoded = try JSONDecoder().decode(K8sEvent.self, from: Data(AuditRecordFormat.k8sAudit.line(record).utf8))
            #expect(decoded.kind == "Event" && decoded.apiVersion == "audit.k8s.io/v1")
            #expect(decoded.auditID == e.auditID.uuidString.lowercased())
            #expect(decoded.level == e.level.rawValue && decoded.stage == e.stage.rawValue && decoded.verb == e.verb)
            #expect(decoded.user.username == e.user.username && (decoded.user.groups ?? []) == e.user.groups)
            #expect(decoded.impersonatedUser?.username == e.impersonatedUser?.username)
            #expect(decoded.objectRef?.namespace == e.objectRef?.namespace && decoded.objectRef?.name == e.objectRef?.name)
            #expect(decoded.responseStatus?.code == e.responseStatus?.code)
            let stage = try #require(parser.date(from: decoded.stageTimestamp))
            #expect(abs(stage.timeIntervalSince(e.stageTimestamp)) < 0.001)
            #expect(decoded.annotations?["kubetrail.io/cluster"] == e.cluster)
            #expect(decoded.annotations?["authorization.k8s.io/decision"] == (e.decision == .allow ? "allow" : "forbid"))
        }
    }

    /// Kubetrail's annotations and the event's own come out merged, in key order, Kubetrail's
    /// winning a clash, exactly as from one dictionary.
    @Test func k8sAuditAnnotationsAreMergedInKeyOrder() throws {
        var plain = CanonicalEventEncodingTests.fixed
        plain.annotations = [:]
        var annotated = plain
        annotated.annotations = ["zeta.example/x": "1", "a.example/y": "2", "kubetrail.io/cluster": "spoofed", "kubetrail.io/l": "3"]
        for event in [plain, annotated] {
            let record = AuditRecord(writerID: "w-1", seq: 42, event: event)
            let line = try AuditRecordFormat.k8sAudit.line(record)
            let decoded = try JSONDecoder().decode(K8sEvent.self, from: Data(line.utf8))
            var expected = event.annotations
            expected["authorization.k8s.io/decision"] = event.decision == .allow ? "allow" : "forbid"
            if let rule = event.decisionRule { expected["authorization.k8s.io/reason"] = rule }
            expected["kubetrail.io/cluster"] = event.cluster
            expected["kubetrail.io/writer"] = "w-1"
            expected["kubetrail.io/seq"] = "42"
            expected["kubetrail.io/kind"] = event.kind.rawValue
            expected["kubetrail.io/authentication"] = event.authenticationMethod.rawValue
            for (key, value) in [("kubetrail.io/credential", event.credentialID), ("kubetrail.io/session", event.sessionID), ("kubetrail.io/connection", event.connectionID), ("kubetrail.io/kubectl-session", event.kubectlSession), ("kubetrail.io/kubectl-command", event.kubectlCommand)] {
                if let value { expected[key] = value }
            }
            #expect(decoded.annotations == expected)
            let object = String(line[line.range(of: "\"annotations\":{")!.upperBound...])
            let keys = object.matches(of: /"([^"]+)":"/).map { String($0.output.1) }
            #expect(keys == expected.keys.sorted())
        }
    }

    /// The fields kept in a row's extras (user extra, the impersonated user whole, the status's
    /// words, whether there is an object) reach the audit.k8s.io/v1 event.
    @Test func k8sAuditCarriesWhatTheExtrasHold() throws {
        var event = CanonicalEventEncodingTests.fixed
        event.impersonatedUser = UserInfo(username: "carol", uid: "u-7", groups: ["g1", "g2"], extra: ["team": ["a\"b", "c"], "acr": []])
        event.responseStatus = ResponseStatus(code: 403, status: "Failure", reason: "Forbidden", message: "secrets \"s1\" is forbidden")
        let decoded = try JSONDecoder().decode(K8sEvent.self, from: Data(AuditRecordFormat.k8sAudit.line(AuditRecord(writerID: "w", seq: 1, event: event)).utf8))
        #expect(decoded.user.uid == "u-1" && decoded.user.extra == ["scopes": ["b", "a"], "acr": ["1"]])
        #expect(decoded.impersonatedUser?.username == "carol" && decoded.impersonatedUser?.uid == "u-7")
        #expect(decoded.impersonatedUser?.groups == ["g1", "g2"] && decoded.impersonatedUser?.extra == ["team": ["a\"b", "c"], "acr": []])
        #expect(decoded.responseStatus?.status == "Failure" && decoded.responseStatus?.reason == "Forbidden")
        #expect(decoded.responseStatus?.message == "secrets \"s1\" is forbidden" && decoded.responseStatus?.code == 403)
        #expect(decoded.objectRef?.apiVersion == "v1" && decoded.objectRef?.resource == "secrets")
        event.objectRef = nil
        event.user.extra = [:]
        let bare = try AuditRecordFormat.k8sAudit.line(AuditRecord(writerID: "w", seq: 1, event: event))
        let decodedBare = try JSONDecoder().decode(K8sEvent.self, from: Data(bare.utf8))
        #expect(decodedBare.objectRef == nil && decodedBare.user.extra == nil)
        #expect(!bare.contains("\"objectRef\"") && !bare.contains("\"extra\":{}"))
    }

    /// Control characters, quotes, backslashes and non-ASCII text survive the byte-level writer.
    @Test func jsonStringsRoundTrip() throws {
        var event = CanonicalEventEncodingTests.fixed
        let nasty = "tab\there \"q\" back\\slash \u{01}\u{1f} nl\n cr\r ünï 🚀 end"
        event.user = UserInfo(username: nasty, groups: [nasty, ""])
        event.requestURI = "/api/v1/namespaces/\(nasty)"
        event.latencyMicroseconds = -9_223_372_036_854_775_807 - 1
        event.bytesOut = 9_223_372_036_854_775_807
        let line = try AuditRecordFormat.json.line(AuditRecord(writerID: nasty, seq: UInt64(Int64.max), event: event))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["user"] as? String == nasty && object["writer"] as? String == nasty)
        #expect(object["groups"] as? [String] == [nasty, ""])
        #expect(object["requestURI"] as? String == event.requestURI)
        #expect(line.contains("\"latencyMicroseconds\":-9223372036854775808,") && line.contains("\"bytesOut\":9223372036854775807,"))
        #expect(line.contains("\"seq\":9223372036854775807,"))
        #expect(line.contains("\"auditID\":\"\(event.auditID.uuidString.lowercased())\""))
    }

    @Test func tableLinesAreAligned() throws {
        let lines = [AuditRecordFormat.table.header!] + (try Self.records.prefix(10).map(AuditRecordFormat.table.line))
        let userColumn = lines[0].range(of: "USER")!.lowerBound.utf16Offset(in: lines[0])
        for line in lines.dropFirst() {
            #expect(line.utf16.count > userColumn)
            #expect(Array(line.utf16)[userColumn - 1] == UInt16(UInt8(ascii: " ")))
        }
    }
}

/// A small RFC 4180 reader, independent of the writer under test.
enum CSVReader {
    struct Malformed: Error {}

    static func parse(_ text: String) throws -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                guard field.isEmpty else { throw Malformed() }
                quoted = true
            } else if c == "," {
                row.append(field); field = ""
            } else if c == "\n" {
                row.append(field); field = ""
                rows.append(row); row = []
            } else {
                field.append(c)
            }
        }
        guard !quoted, field.isEmpty, row.isEmpty else { throw Malformed() }
        return rows
    }
}
