import ArgumentParser
import Audit

struct Writer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage this replica's writer identity (its chain id and Ed25519 signing key).",
        subcommands: [PublicKey.self]
    )

    struct PublicKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "public-key",
            abstract: "Print the writer's public key (PEM) for auditors; creates the identity on first use.",
            discussion: """
                The identity lives in the state directory: writer.key (mode 0600) and writer.id. \
                Give the output to auditors: `kubetrail verify --public-key FILE` then trusts \
                only these keys, not the ones stored in the database.
                """
        )

        @Option(help: ArgumentHelp("The writer's state directory (the proxy's spool directory).", valueName: "dir"))
        var stateDir = ".kubetrail/spool"

        func run() throws {
            print(try WriterIdentity.loadOrCreate(in: stateDir).publicKeyPEM, terminator: "")
        }
    }
}
