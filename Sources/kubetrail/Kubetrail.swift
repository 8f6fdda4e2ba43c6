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
              kubetrail migrate                     create or update the schema
              kubetrail verify                      prove nobody edited the trail
              kubetrail who --since 30d             who accessed which cluster, when
              kubetrail query --user U --since 7d   who did what, newest first
              kubetrail export --since T --until T  a range as json, csv, k8s-audit
              kubetrail sessions --since 24h        interactive sessions, kubectl runs
              kubetrail replay ID                   play a session, or a run's requests
              kubetrail writer public-key           a writer's key, for auditors
              kubetrail ca init --dir D             the CA for users' certificates
              kubetrail ca issue --dir D --user U --cluster C --server URL --out DIR
                                                    a short-lived certificate and kubeconfig
            """,
        subcommands: [Migrate.self, Verify.self, Who.self, Query.self, Export.self, Writer.self, CACommand.self, ProxyCommand.self, Sessions.self, ReplayCommand.self]
    )
}
