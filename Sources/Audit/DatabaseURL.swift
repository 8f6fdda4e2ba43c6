import Foundation
import NIOSSL
import PostgresNIO

/// A `postgres://user:password@host:port/database?sslmode=…` URL, checked and turned into
/// a PostgresClient configuration.
public struct DatabaseURL: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: String

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public init(_ string: String) throws {
        guard let url = URLComponents(string: string), let scheme = url.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw Invalid(description: "database URL must look like postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE, got '\(Self.redact(string))'")
        }
        guard let host = url.host, !host.isEmpty else { throw Invalid(description: "database URL has no host") }
        guard let user = url.user, !user.isEmpty else { throw Invalid(description: "database URL has no user name") }
        self.host = host
        self.port = url.port ?? 5432
        self.username = user.removingPercentEncoding ?? user
        self.password = url.password.map { $0.removingPercentEncoding ?? $0 }
        let db = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        self.database = db.isEmpty ? self.username : db
        let mode = url.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer"
        guard ["disable", "prefer", "require", "verify-full"].contains(mode) else {
            throw Invalid(description: "sslmode must be disable, prefer, require or verify-full, got '\(mode)'")
        }
        self.sslMode = mode
    }

    /// The URL with its password replaced, safe for logs and errors.
    public var description: String {
        "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)?sslmode=\(sslMode)"
    }

    static func redact(_ string: String) -> String {
        string.replacingOccurrences(of: #":[^:@/]*@"#, with: ":***@", options: .regularExpression)
    }

    enum TLSMode {
        case disable
        case prefer(TLSConfiguration)
        case require(TLSConfiguration)
    }

    /// `sslmode`: disable; prefer and require (encrypt, do not check the certificate, as libpq);
    /// verify-full (encrypt and check the certificate and host name).
    var tlsMode: TLSMode {
        switch sslMode {
        case "disable":
            return .disable
        case "verify-full":
            return .require(TLSConfiguration.makeClientConfiguration())
        default:
            var config = TLSConfiguration.makeClientConfiguration()
            config.certificateVerification = .none
            return sslMode == "require" ? .require(config) : .prefer(config)
        }
    }

    public func clientConfiguration() -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch tlsMode {
        case .disable: tls = .disable
        case .prefer(let config): tls = .prefer(config)
        case .require(let config): tls = .require(config)
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// The URL from `--database-url`, else `KUBETRAIL_DATABASE_URL`, else an error saying so.
    public static func resolve(_ option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DatabaseURL {
        guard let text = option ?? environment["KUBETRAIL_DATABASE_URL"], !text.isEmpty else {
            throw Invalid(description: "no database: pass --database-url postgres://… or set KUBETRAIL_DATABASE_URL")
        }
        return try DatabaseURL(text)
    }
}
