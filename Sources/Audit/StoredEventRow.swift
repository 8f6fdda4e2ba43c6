import Foundation
import NIOCore
import PostgresNIO

/// One `audit_events` row as stored, read in the column order of `StoredEventRow.columns`.
struct StoredEventRow {
    var row: AuditRow
    var prevHash: [UInt8]
    var hash: [UInt8]
    var requestBody: [UInt8]?
    var responseBody: [UInt8]?

    static let columns = AuditRow.columns.joined(separator: ", ")

    /// The select list; without bodies, NULLs stand in their places so the positions hold.
    static func columns(includeBodies: Bool) -> String {
        includeBodies ? columns : AuditRow.columns.map { $0.hasSuffix("_body") ? "NULL::bytea AS \($0)" : $0 }.joined(separator: ", ")
    }

    init(_ postgresRow: PostgresRow, includeBodies: Bool = true) throws {
        let c = postgresRow.makeRandomAccess()
        func text(_ i: Int) throws -> String { try c[i].decode(String.self) }
        func optText(_ i: Int) throws -> String? { try c[i].decode(String?.self) }
        func int64(_ i: Int) throws -> Int64 { try c[i].decode(Int64.self) }
        func bytes(_ i: Int) throws -> [UInt8] { Array(buffer: try c[i].decode(ByteBuffer.self)) }
        func optBytes(_ i: Int) throws -> [UInt8]? { try c[i].decode(ByteBuffer?.self).map { Array(buffer: $0) } }
        self.row = AuditRow(
            writerID: try text(0), seq: try int64(1), eventTime: try c[2].decode(PostgresMicroseconds.self).value,
            auditID: try c[5].decode(UUID.self), kind: try text(6), stage: try text(7), level: try text(8),
            requestTime: try c[9].decode(PostgresMicroseconds.self).value, verb: try text(10), requestURI: try text(11),
            username: try text(12), userUID: try optText(13), groups: try c[14].decode([String].self),
            impersonatedUser: try optText(15), sourceIPs: try c[16].decode([String].self), userAgent: try optText(17),
            apiGroup: try optText(18), apiVersion: try optText(19), resource: try optText(20), subresource: try optText(21),
            namespace: try optText(22), name: try optText(23), statusCode: try c[24].decode(Int32?.self),
            cluster: try text(25), authnMethod: try text(26), credentialID: try optText(27), decision: try text(28),
            decisionRule: try optText(29), latencyMicroseconds: try int64(30), bytesIn: try int64(31), bytesOut: try int64(32),
            sessionID: try optText(33), connectionID: try optText(34), kubectlSession: try optText(35),
            kubectlCommand: try optText(36), requestBodyType: try optText(38), responseBodyType: try optText(40),
            extras: try bytes(37))
        self.prevHash = try bytes(3)
        self.hash = try bytes(4)
        self.requestBody = try optBytes(39)
        self.responseBody = try optBytes(41)
    }
}
