import NIOCore
import PostgresNIO

/// A `timestamptz` read as exact microseconds since 1970 (postgres-nio's Date goes through a Double).
struct PostgresMicroseconds: PostgresDecodable {
    var value: Int64

    /// 2000-01-01T00:00:00Z, PostgreSQL's epoch, in µs since 1970.
    static let postgresEpoch: Int64 = 946_684_800_000_000

    init<JSONDecoder: PostgresJSONDecoder>(from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<JSONDecoder>) throws {
        guard type == .timestamptz || type == .timestamp, format == .binary, let raw = buffer.readInteger(as: Int64.self) else {
            throw PostgresDecodingError.Code.typeMismatch
        }
        self.value = raw + Self.postgresEpoch
    }
}
