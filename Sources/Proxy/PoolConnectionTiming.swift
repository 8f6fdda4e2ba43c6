import Logging
import Synchronization

/// Times the upstream pool's new connections (TCP connect, TLS handshake and protocol
/// negotiation together) from AsyncHTTPClient's own trace messages, its only signal for them:
/// "Opening fresh connection" and "successfully created connection" carry the same
/// `ahc-connection-id`. Every other message is dropped.
///
/// The messages are AsyncHTTPClient's (1.37); `Tests/ProxyEndToEndTests` checks the histogram
/// counts one sample per pool miss, so a release that rewords them fails a test, not silently.
struct PoolConnectionTiming: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    let openings: Openings
    let cluster: String

    init(cluster: String) {
        self.cluster = cluster
        self.openings = Openings()
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard event.level == .trace || event.level == .debug else { return }
        let message = event.message.description
        guard message == "Opening fresh connection" || message == "successfully created connection" || message == "connection attempt failed",
              let id = event.metadata?["ahc-connection-id"]?.description else { return }
        switch message {
        case "Opening fresh connection":
            openings.started(id)
        case "successfully created connection":
            if let took = openings.finished(id) { ProxyMetrics.poolConnected(cluster: cluster, setup: took) }
        default:
            _ = openings.finished(id)
        }
    }

    /// Connections being opened, by AsyncHTTPClient's id.
    ///
    /// A mutex: the pool logs from whichever event loop its connection runs on.
    final class Openings: Sendable {
        private let started = Mutex<[String: ContinuousClock.Instant]>([:])

        func started(_ id: String) {
            let now = ContinuousClock.now
            started.withLock { $0[id] = now }
        }

        func finished(_ id: String) -> Duration? {
            let start = started.withLock { $0.removeValue(forKey: id) }
            return start.map { ContinuousClock.now - $0 }
        }
    }
}
