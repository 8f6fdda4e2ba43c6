import ArgumentParser
import Audit
import AuditSynthetic
import Foundation

/// Records synthetic events into a spool and prints each acknowledged audit id: a process for
/// crash tests to kill at any moment.
struct SpoolWriter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spool-writer",
        abstract: "Record synthetic events into a spool (no database), printing 'acked <audit-id>' as each record() returns."
    )

    @Option(help: "The spool directory (the writer identity is created there).")
    var spool: String

    @Option(help: "How many events.")
    var events = 100_000

    @Option(help: "Concurrent producers.")
    var producers = 8

    @Option(help: "strict or batched.")
    var durability = "strict"

    @Option(help: "Seed of the synthetic trail.")
    var seed: UInt64 = 1

    func run() async throws {
        let identity = try WriterIdentity.loadOrCreate(in: spool)
        let mode: AuditPipelineConfiguration.Durability = durability == "strict" ? .strict : .batched(syncInterval: .milliseconds(50))
        let pipeline = try AuditPipeline(configuration: .init(spoolDirectory: spool, durability: mode, checkpointEvery: 100), identity: identity)
        await pipeline.start()
        let perProducer = events / producers
        try await withThrowingTaskGroup(of: Void.self) { group in
            for p in 0..<producers {
                group.addTask {
                    var trail = SyntheticTrail(seed: seed &+ UInt64(p))
                    for i in 0..<perProducer {
                        let event = trail.next(index: i)
                        try await pipeline.record(event)
                        let line = "acked \(event.auditID.uuidString.lowercased())\n"
                        FileHandle.standardOutput.write(Data(line.utf8))
                    }
                }
            }
            try await group.waitForAll()
        }
        await pipeline.shutdown()
    }
}
