import Foundation
import PostgresNIO

/// CPU seconds spent by this process and by the database's server processes, so that a
/// benchmark on a shared machine can say what its work cost apart from how long it waited for
/// a core. The server's processes are read from /proc: the benchmark runs on the same host.
struct CPUTime {
    var client: Double
    /// Per server process (backend pid) of the database.
    var server: [Int32: Double]

    /// Now, for this process and every server process of the client's database.
    static func now(_ client: PostgresClient) async throws -> CPUTime {
        var pids: [Int32] = []
        for try await pid in try await client.query("SELECT pid FROM pg_stat_activity WHERE datname = current_database()").decode(Int32.self) {
            pids.append(pid)
        }
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let own = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var server: [Int32: Double] = [:]
        for pid in pids {
            // Fields 14 and 15 (utime, stime) follow the command name, which is in parentheses.
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) {
                server[pid] = (user + system) / ticks
            }
        }
        return CPUTime(client: own, server: server)
    }

    /// What was spent between `earlier` and `self`; a server process that started in between counts whole.
    func since(_ earlier: CPUTime) -> (client: Double, server: Double) {
        (client - earlier.client, server.reduce(0) { $0 + $1.value - (earlier.server[$1.key] ?? 0) })
    }

    /// `CPU per event: client 4.1 µs, server 3.0 µs` for what was spent since `earlier` on `events` events.
    func perEvent(since earlier: CPUTime, _ events: Int) -> String {
        let used = since(earlier)
        return String(format: "CPU per event: client %.1f µs, server %.1f µs", used.client * 1e6 / Double(events), used.server * 1e6 / Double(events))
    }
}
