import Logging
import PostgresNIO

extension DatabaseURL {
    /// Logs only errors: the pool's connection chatter is noise on a command line.
    public static var quietLogger: Logger {
        var logger = Logger(label: "kubetrail.postgres")
        logger.logLevel = .error
        return logger
    }

    /// Runs `body` with a connected-on-demand client, stopping the client after it.
    ///
    /// A database that cannot be reached fails the first query within the connect timeout
    /// instead of waiting forever.
    public func withClient<T: Sendable>(logger: Logger = DatabaseURL.quietLogger, _ body: (PostgresClient) async throws -> T) async throws -> T {
        let client = PostgresClient(configuration: clientConfiguration(), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}
