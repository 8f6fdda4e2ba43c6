import KubetrailTestSupport
import Audit
import Foundation

/// A PostgreSQL server of a test's own (tools/pg with its own folder and port), so the test
/// can stop and start it without disturbing the shared one.
final class PrivatePostgres: @unchecked Sendable {
    let home: String
    let port: Int

    init() throws {
        home = "/var/tmp/kubetrail-test-pg-" + UUID().uuidString.prefix(8).lowercased()
        port = try Self.freePort()
    }

    deinit {
        _ = try? run(["destroy"])
        try? FileManager.default.removeItem(atPath: home)
    }

    var url: DatabaseURL {
        get throws { try DatabaseURL("postgres://kubetrail:kubetrail@127.0.0.1:\(port)/kubetrail?sslmode=disable") }
    }

    func start() throws { try run(["start"]) }
    func stop() throws { try run(["stop"]) }

    @discardableResult
    private func run(_ arguments: [String]) throws -> String {
        let result = try Subprocess.run(
            Repository.root + "/tools/pg", arguments,
            environment: ["KUBETRAIL_PG_HOME": home, "KUBETRAIL_PG_PORT": String(port)])
        guard result.status == 0 else {
            throw PostgresTestError(description: "tools/pg \(arguments.joined(separator: " ")) failed: \(result.output)")
        }
        return result.output
    }

    /// A TCP port nothing listens on now (bind to 0, read it back, close).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw PostgresTestError(description: "cannot find a free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
