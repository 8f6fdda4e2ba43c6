import ArgumentParser

@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubetrail-bench",
        abstract: "Kubetrail's benchmarks and load generators (run them through tools/bench).",
        subcommands: [AuditBench.self, QueryBench.self, ReplayBench.self, SpoolWriter.self, LatencyBench.self]
    )
}
