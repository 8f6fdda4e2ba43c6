import ArgumentParser
import Audit
import PostgresNIO

/// Runs a command's body, turning PostgreSQL errors into one readable line (postgres-nio's own
/// description hides the server's message on purpose).
func reportingDatabaseErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as PSQLError {
        throw CommandFailure(description: "database: \(describeDatabaseError(error))")
    }
}

/// A failure worth one line on stderr and exit status 1, without the usage text.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
}
