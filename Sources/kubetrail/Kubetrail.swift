import ArgumentParser

@main
struct Kubetrail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubetrail",
        abstract: "An identity-aware Kubernetes access proxy with an append-only, tamper-evident audit trail.",
        discussion: """
            The trail lives in PostgreSQL. Every command that reads or writes it takes \
            --database-url postgres://USER:PASSWORD@HOST:PORT/DATABASE, or KUBETRAIL_DATABASE_URL.

            Start here:
              kubetrail migrate                 create or update the schema
              kubetrail verify                  prove that nobody edited the trail
              kubetrail who --since 30d         who accessed which cluster, and when
              kubetrail query --user U --since 7d   who did what, newest first
              kubetrail export --since T --until T  stream a range (json, csv, k8s-audit)
              kubetrail sessions --since 24h    exec/attach/port-forward sessions and kubectl runs
              kubetrail replay ID               play a recorded session, or show a run's requests
              kubetrail writer public-key       print a writer's public key for auditors
              kubetrail ca init --dir D         create the CA that signs users' certificates
              kubetrail ca issue --dir D --user U --cluster C --server URL --out DIR
                                                a short-lived certificate and a ready kubeconfig
            """,
        subcommands: [Migrate.self, Verify.self, Who.self, Query.self, Export.self, Writer.self, CACommand.self, ProxyCommand.self, Sessions.self, ReplayCommand.self]
    )
}
