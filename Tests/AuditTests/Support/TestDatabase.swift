import Audit
import KubetrailTestSupport
import Foundation
import PostgresNIO

/// A fresh, migrated PostgreSQL database per test, on the server tools/test started.
///
/// Tests that need it are enabled when KUBETRAIL_TEST_DATABASE_URL is set, and also whenever
/// CI is set, so that in CI a missing database fails them instead of skipping them.
enum TestDatabase {
    static var adminURL: String? { ProcessInfo.processInfo.environment["KUBETRAIL_TEST_DATABASE_URL"] }
    static var enabled: Bool { adminURL != nil || ProcessInfo.processInfo.environment["CI"] != nil }

    struct NotConfigured: Error, CustomStringConvertible {
        var description: String { "KUBETRAIL_TEST_DATABASE_URL is not set: run the tests with tools/test, which starts PostgreSQL" }
    }

    static func admin() throws -> DatabaseURL {
        guard let text = adminURL else { throw NotConfigured() }
        return try DatabaseURL(text)
    }

    /// Runs `body` against a new database (migrated unless told otherwise), dropped afterwards.
    static func withFresh<T: Sendable>(migrate: Bool = true, _ body: (DatabaseURL) async throws -> T) async throws -> T {
        let admin = try admin()
        let name = "kt_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try await admin.withClient { try await $0.query("CREATE DATABASE \(unescaped: name)") }
        var url = admin
        url.database = name
        do {
            if migrate {
                _ = try await url.withClient { try await Migrator().migrate($0) }
            }
            let result = try await body(url)
            try await drop(name, admin)
            return result
        } catch {
            try? await drop(name, admin)
            throw error
        }
    }

    private static func drop(_ name: String, _ admin: DatabaseURL) async throws {
        try await admin.withClient { try await $0.query("DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)") }
    }

    /// Creates a login role in `group` with a password, returning a URL that logs in as it.
    static func loginRole(in group: String, on url: DatabaseURL) async throws -> DatabaseURL {
        let role = "kt_\(group.replacingOccurrences(of: "kubetrail_", with: ""))_" + UUID().uuidString.prefix(8).lowercased()
        try await url.withClient { client in
            try await client.query("CREATE ROLE \(unescaped: role) LOGIN PASSWORD 'secret' IN ROLE \(unescaped: group)")
        }
        var login = url
        login.username = role
        login.password = "secret"
        return login
    }
}

/// A directory under /tmp removed when the test ends.
struct TemporaryDirectory: ~Copyable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "kubetrail-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

extension PostgresClient {
    /// Runs statements on one connection with triggers off: how a superuser tampers with the trail.
    func tamper(_ statements: [String]) async throws {
        try await withConnection { connection in
            try await connection.query("SET session_replication_role = replica", logger: .init(label: "test"))
            for statement in statements {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: .init(label: "test"))
            }
        }
    }

    func scalar<T: PostgresDecodable & Sendable>(_ sql: String, as: T.Type = T.self) async throws -> T {
        let rows = try await query(PostgresQuery(unsafeSQL: sql))
        for try await value in rows.decode(T.self) { return value }
        throw PostgresTestError(description: "no row for \(sql)")
    }
}

struct PostgresTestError: Error, CustomStringConvertible { var description: String }
