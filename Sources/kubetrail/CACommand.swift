import ArgumentParser

/// `kubetrail ca`: the certificate authority that identifies users to the proxy.
struct CACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca",
        abstract: "Manage the Kubetrail certificate authority and issue short-lived user credentials.",
        discussion: """
            Users authenticate to the Kubetrail proxy with short-lived client certificates signed by \
            the Kubetrail CA. The certificate's common name (CN) is the Kubernetes user name and each \
            organization (O) is a group, exactly as Kubernetes' own client-certificate authentication reads them.

            Typical setup:
              kubetrail ca init   --dir /etc/kubetrail/ca
              kubetrail ca server --dir /etc/kubetrail/ca --host proxy.example.com \\
                  --host 10.0.0.5 --out /etc/kubetrail/tls
              kubetrail ca issue  --dir /etc/kubetrail/ca --user alice --group dev \\
                  --cluster prod --cluster staging \\
                  --server https://proxy.example.com:8443 --out ./alice
            """,
        subcommands: [CAInitCommand.self, CAServerCommand.self, CAIssueCommand.self]
    )
}
