import Audit
import AuditSynthetic
import Foundation
import Logging

/// Small helpers shared by the pipeline tests.
enum Fixtures {
    static func events(_ count: Int, seed: UInt64 = 7) -> [AuditEvent] {
        var trail = SyntheticTrail(seed: seed)
        return (0..<count).map { trail.next(index: $0) }
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    static func pipeline(_ dir: String, durability: AuditPipelineConfiguration.Durability = .strict, checkpointEvery: Int = 100, segmentSize: Int = 64 << 20) throws -> AuditPipeline {
        let identity = try WriterIdentity.loadOrCreate(in: dir)
        let config = AuditPipelineConfiguration(
            spoolDirectory: dir, durability: durability, checkpointEvery: checkpointEvery,
            checkpointInterval: .seconds(3600), segmentSize: segmentSize, retryInterval: .milliseconds(100))  // counts in tests come from checkpointEvery alone, however slow the machine
        return try AuditPipeline(configuration: config, identity: identity, logger: quietLogger)
    }

    /// Records `events`, ships them all to `url`, shuts down, and returns the shipper's count.
    static func recordAndShip(_ events: [AuditEvent], spool: String, url: DatabaseURL, checkpointEvery: Int = 100, method: AuditStore.InsertMethod = .copy) async throws -> UInt64 {
        let pipeline = try pipeline(spool, checkpointEvery: checkpointEvery)
        await pipeline.start()
        for event in events { try await pipeline.record(event) }
        await pipeline.shutdown()
        return try await url.withClient { client in
            let shipper = try AuditShipper(pipeline: pipeline, store: AuditStore(client: client, logger: quietLogger), configuration: .init(insertMethod: method), logger: quietLogger)
            try await shipper.run()
            return await shipper.eventsShipped
        }
    }
}
