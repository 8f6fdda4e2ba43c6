import NIOSSL
import PostgresNIO

/// The database could not be reached or refused us: says where and why.
public struct DatabaseUnreachable: Error, CustomStringConvertible {
    public var url: DatabaseURL
    public var reason: String
    public var description: String { "cannot connect to the database at \(url): \(reason)" }
}

/// An operation on the database that did not finish in time (the server went away mid-way,
/// or no connection could be had).
public struct DatabaseTimeout: Error, CustomStringConvertible {
    public var operation: String
    public var timeout: Duration
    public var description: String { "\(operation) did not finish within \(timeout)" }
}

/// A short, readable account of a database error: the server's message, else the client's reason.
public func describeDatabaseError(_ error: any Error) -> String {
    guard let psql = error as? PSQLError else { return "\(error)" }
    if let info = psql.serverInfo, let message = info[.message] {
        let state = info[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
        let detail = info[.detail].map { ": \($0)" } ?? ""
        return message + detail + state
    }
    if let underlying = psql.underlying { return "\(psql.code): \(underlying)" }
    return "\(psql.code)"
}

/// Runs `body`, throwing `DatabaseTimeout` if it takes longer than `timeout` (it is cancelled).
public func withTimeout<T: Sendable>(_ timeout: Duration, _ operation: String, _ body: @Sendable @escaping () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw DatabaseTimeout(operation: operation, timeout: timeout)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

extension DatabaseURL {
    /// The same settings for a single connection (postgres-nio takes an NIOSSLContext there).
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch tlsMode {
        case .disable: tls = .disable
        case .prefer(let config): tls = .prefer(try NIOSSLContext(configuration: config))
        case .require(let config): tls = .require(try NIOSSLContext(configuration: config))
        }
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// Connects once and disconnects, turning any failure into a `DatabaseUnreachable` that says why.
    public func probe(logger: Logger = DatabaseURL.quietLogger) async throws {
        do {
            let connection = try await PostgresConnection.connect(configuration: try connectionConfiguration(), id: 0, logger: logger)
            try await connection.close()
        } catch {
            throw DatabaseUnreachable(url: self, reason: describeDatabaseError(error))
        }
    }
}
