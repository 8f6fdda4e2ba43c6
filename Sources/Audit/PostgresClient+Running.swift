import Logging
import PostgresNIO

extension DatabaseURL {
    /// Logs only errors: the pool's connection chatter is noise on a command line.
    public static var quietLogger: Logger {
        var logger = Logger(label: "kubetrail.postgres")
        logger.logLevel = .error
        return logger
    }

    /// Runs `body` with a pooled client, stopping the client after it.
    ///
    /// Connects once first, so that an unreachable database or bad credentials fail at once
    /// with the reason (postgres-nio's pool would otherwise wait for a connection forever).
    @discardableResult
    public func withClient<T: Sendable>(logger: Logger = DatabaseURL.quietLogger, _ body: (PostgresClient) async throws -> T) async throws -> T {
        try await probe(logger: logger)
        let client = PostgresClient(configuration: clientConfiguration(), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}
