import Foundation
import Testing

@testable import Audit

/// The transcoder (canonical bytes → COPY row) must write exactly what the decoding path would.
@Suite struct CanonicalCopyTranscoderTests {
    static func referenceRow(link: ChainLink, event: AuditEvent, compressor: ZlibCompressor) throws -> [UInt8] {
        let decoded = try CanonicalEventEncoding.decode(CanonicalEventEncoding.encode(event))
        let r = AuditRow(writerID: link.writerID, seq: link.seq, event: decoded)
        var w = CopyTextWriter()
        w.field(r.writerID); w.field(r.seq); w.bytea(link.prevHash); w.bytea(link.hash); w.uuid(r.auditID)
        for text in [r.kind, r.stage, r.level, r.verb, r.requestURI, r.username] { w.field(text) }
        w.field(r.userUID); w.array(r.groups); w.field(r.impersonatedUser); w.array(r.sourceIPs); w.field(r.userAgent)
        for text in [r.apiGroup, r.apiVersion, r.resource, r.subresource, r.namespace, r.name] { w.field(text) }
        w.field(r.statusCode.map(Int64.init)); w.timestamp(r.requestTime); w.timestamp(r.eventTime)
        w.field(r.cluster); w.field(r.authnMethod); w.field(r.credentialID); w.field(r.decision); w.field(r.decisionRule)
        w.field(r.latencyMicroseconds); w.field(r.bytesIn); w.field(r.bytesOut)
        for text in [r.sessionID, r.connectionID, r.kubectlSession, r.kubectlCommand, r.requestBodyType, r.responseBodyType] { w.field(text) }
        w.bytea(r.extras)
        w.bytea(try event.requestBody.map { try compressor.compress($0.bytes) })
        w.bytea(try event.responseBody.map { try compressor.compress($0.bytes) }, last: true)
        return w.bytes
    }

    static var events: [AuditEvent] {
        var events = Fixtures.events(300)
        events.append(CanonicalEventEncodingTests.fixed)
        var odd = CanonicalEventEncodingTests.fixed
        odd.objectRef = nil
        odd.responseStatus = ResponseStatus(code: -1, status: "Failure", reason: "Forbidden", message: "a\tb\\c\nd \"e\"")
        odd.user = UserInfo(username: "zoë\\", uid: nil, groups: [], extra: ["k": []])
        odd.impersonatedUser = nil
        odd.sourceIPs = []
        odd.annotations = ["authorization.k8s.io/decision": "forbid"]
        odd.responseBody = Payload(contentType: "application/vnd.kubernetes.protobuf", bytes: [0x6b, 0x38, 0x73, 0x00, 0x0a])
        events.append(odd)
        return events
    }

    @Test func matchesTheDecodingPathRowByRow() throws {
        var chain = HashChain(writerID: "w-transcoder")
        let compressor = try ZlibCompressor()
        for event in Self.events {
            let (link, record) = chain.append(canonicalEvent: CanonicalEventEncoding.encode(event))
            var batch = AuditRowBatch(method: .copy)
            try batch.append(link: link, chainRecord: record, requestBody: event.requestBody, responseBody: event.responseBody, compressor: compressor)
            let transcoded = Array(buffer: batch.copyData)
            let reference = try Self.referenceRow(link: link, event: event, compressor: compressor)
            #expect(transcoded == reference, "seq \(link.seq): \(String(decoding: transcoded, as: UTF8.self)) vs \(String(decoding: reference, as: UTF8.self))")
        }
    }

    @Test func theColumnListNamesEveryColumnOnce() {
        #expect(Set(CanonicalCopyTranscoder.columns) == Set(AuditRow.columns))
        #expect(CanonicalCopyTranscoder.columns.count == AuditRow.columns.count)
    }

    @Test func truncatedBytesAreAnErrorNotACrash() throws {
        let canonical = CanonicalEventEncoding.encode(CanonicalEventEncodingTests.fixed)
        let link = ChainLink(writerID: "w", seq: 1, prevHash: HashChain.genesis, hash: HashChain.genesis)
        for cut in stride(from: 0, to: canonical.count, by: 7) {
            var w = CopyTextWriter()
            #expect(throws: CanonicalDecodingError.self) {
                _ = try Array(canonical[..<cut]).withUnsafeBytes {
                    try CanonicalCopyTranscoder.appendRow(link: link, canonical: $0, requestBody: nil, responseBody: nil, to: &w)
                }
            }
        }
    }
}
