import Foundation
import NIOCore
import PostgresNIO

/// One `audit_events` row as stored, read in the column order of `ChainVerifier.rowColumns`.
struct StoredEventRow {
    var row: AuditRow
    var prevHash: [UInt8]
    var hash: [UInt8]
    var record: [UInt8]
    var requestBody: [UInt8]?
    var responseBody: [UInt8]?

    init(_ postgresRow: PostgresRow) throws {
        let c = postgresRow.makeRandomAccess()
        func text(_ i: Int) throws -> String { try c[i].decode(String.self) }
        func optText(_ i: Int) throws -> String? { try c[i].decode(String?.self) }
        func int64(_ i: Int) throws -> Int64 { try c[i].decode(Int64.self) }
        func bytes(_ i: Int) throws -> [UInt8] { Array(buffer: try c[i].decode(ByteBuffer.self)) }
        func optBytes(_ i: Int) throws -> [UInt8]? { try c[i].decode(ByteBuffer?.self).map { Array(buffer: $0) } }
        self.row = AuditRow(
            writerID: try text(0), seq: try int64(1), eventTime: try c[2].decode(PostgresMicroseconds.self).value,
            auditID: try c[6].decode(UUID.self), kind: try text(7), stage: try text(8), level: try text(9),
            requestTime: try c[10].decode(PostgresMicroseconds.self).value, verb: try text(11), requestURI: try text(12),
            username: try text(13), userUID: try optText(14), groups: try c[15].decode([String].self),
            impersonatedUser: try optText(16), sourceIPs: try c[17].decode([String].self), userAgent: try optText(18),
            apiGroup: try optText(19), apiVersion: try optText(20), resource: try optText(21), subresource: try optText(22),
            namespace: try optText(23), name: try optText(24), statusCode: try c[25].decode(Int32?.self),
            cluster: try text(26), authnMethod: try text(27), credentialID: try optText(28), decision: try text(29),
            decisionRule: try optText(30), latencyMicroseconds: try int64(31), bytesIn: try int64(32), bytesOut: try int64(33),
            sessionID: try optText(34), connectionID: try optText(35), kubectlSession: try optText(36),
            kubectlCommand: try optText(37), requestBodyType: try optText(38), responseBodyType: try optText(40))
        self.prevHash = try bytes(3)
        self.hash = try bytes(4)
        self.record = try bytes(5)
        self.requestBody = try optBytes(39)
        self.responseBody = try optBytes(41)
    }
}
