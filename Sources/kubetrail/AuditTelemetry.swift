import Audit
import Foundation
import Prometheus
import Proxy

/// The audit trail's state as metrics and readiness, read from the pipeline and the shipper at
/// each scrape (the Audit module stays free of a metrics backend).
actor AuditTelemetry {
    /// Below this much free space the spool's file system counts as full.
    static let minimumFreeSpoolBytes: UInt64 = 64 << 10

    let registry: PrometheusCollectorRegistry
    let pipeline: AuditPipeline
    let shipper: AuditShipper
    let spoolDirectory: String

    private let queueBytes: Gauge
    private let spoolBytes: Gauge
    private let spoolFreeBytes: Gauge
    private let recorded: Counter
    private let shipped: Counter
    private let lagEvents: Gauge
    private let lagSeconds: Gauge
    private let databaseUp: Gauge
    private let spoolWritable: Gauge
    private var lastRecorded: UInt64 = 0
    private var lastShipped: UInt64 = 0

    init(registry: PrometheusCollectorRegistry, pipeline: AuditPipeline, shipper: AuditShipper) {
        self.registry = registry
        self.pipeline = pipeline
        self.shipper = shipper
        self.spoolDirectory = pipeline.configuration.spoolDirectory
        queueBytes = registry.makeGauge(name: "proxy_audit_queue_bytes", help: "Audit records chained but not yet written to the spool.")
        spoolBytes = registry.makeGauge(name: "proxy_audit_spool_bytes", help: "Bytes of spool segments on disk (not yet shipped and deleted).")
        spoolFreeBytes = registry.makeGauge(name: "proxy_audit_spool_free_bytes", help: "Free bytes on the spool's file system.")
        recorded = registry.makeCounter(name: "proxy_audit_events_recorded_total", help: "Audit events chained into the spool since start.")
        shipped = registry.makeCounter(name: "proxy_audit_events_shipped_total", help: "Audit events stored in PostgreSQL since start.")
        lagEvents = registry.makeGauge(name: "proxy_audit_shipper_lag_events", help: "Events in the spool that PostgreSQL does not have yet.")
        lagSeconds = registry.makeGauge(name: "proxy_audit_shipper_lag_seconds", help: "Seconds since PostgreSQL last had every durable event (0 when caught up).")
        databaseUp = registry.makeGauge(name: "proxy_audit_database_up", help: "1 when the last exchange with PostgreSQL succeeded.")
        spoolWritable = registry.makeGauge(name: "proxy_audit_spool_writable", help: "1 when the spool takes events; the proxy refuses requests (503) otherwise unless on_audit_failure: allow.")
    }

    /// Refreshes the audit gauges, then renders every metric as Prometheus text.
    func metricsText() async -> [UInt8] {
        let pendingBytes = await pipeline.pendingBytes
        let recordedNow = await pipeline.eventsRecorded
        let nextSeq = await pipeline.nextSeq
        let health = await pipeline.health
        let shippedNow = await shipper.eventsShipped
        let shippedSeq = await shipper.shippedSeq
        let caughtUpAt = await shipper.caughtUpAt
        let lastError = await shipper.lastError

        queueBytes.set(to: Double(pendingBytes))
        spoolBytes.set(to: Double(Self.spoolSize(spoolDirectory)))
        if let free = Self.freeBytes(spoolDirectory) { spoolFreeBytes.set(to: Double(free)) }
        if recordedNow > lastRecorded { recorded.increment(by: Int64(recordedNow - lastRecorded)) }
        if shippedNow > lastShipped { shipped.increment(by: Int64(shippedNow - lastShipped)) }
        lastRecorded = recordedNow
        lastShipped = shippedNow
        let lag = nextSeq > shippedSeq + 1 ? Int64(nextSeq - shippedSeq - 1) : 0
        lagEvents.set(to: Double(lag))
        lagSeconds.set(to: lag > 0 ? Self.seconds(ContinuousClock.now - caughtUpAt) : 0)
        databaseUp.set(to: lastError == nil ? 1 : 0)
        spoolWritable.set(to: health == .healthy ? 1 : 0)
        return registry.emitToBuffer()
    }

    /// Ready while the spool takes events and its file system has room.
    func readiness() async -> Readiness {
        var problems: [String] = []
        if await pipeline.isClosed { problems.append("shutting down") }
        if case .failing(let why) = await pipeline.health { problems.append("the audit spool cannot be written: \(why)") }
        if let free = Self.freeBytes(spoolDirectory), free < Self.minimumFreeSpoolBytes {
            problems.append("the audit spool's file system is full (\(free) bytes free in \(spoolDirectory))")
        }
        return Readiness(problems: problems)
    }

    static func spoolSize(_ directory: String) -> Int64 {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.reduce(0) { total, name in
            let size = (try? FileManager.default.attributesOfItem(atPath: directory + "/" + name)[.size] as? NSNumber)?.int64Value ?? 0
            return total + size
        }
    }

    static func freeBytes(_ directory: String) -> UInt64? {
        var stats = statvfs()
        guard statvfs(directory, &stats) == 0 else { return nil }
        return UInt64(stats.f_bavail) * UInt64(stats.f_frsize)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
