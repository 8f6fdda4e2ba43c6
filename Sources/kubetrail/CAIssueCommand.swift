import ArgumentParser
import CertificateAuthority

/// `kubetrail ca issue`: issues a user's client certificate and a ready-to-use kubeconfig.
struct CAIssueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue a short-lived client certificate and kubeconfig for a user.",
        discussion: """
            Writes OUT/<user>.crt, OUT/<user>.key (mode 0600) and OUT/kubeconfig (mode 0600, it embeds \
            the key). The kubeconfig has one cluster and one context per --cluster, named after the \
            cluster, with server <server>/clusters/<cluster>; the current context is the first --cluster.

            The certificate's CN is --user and each --group becomes an O, which is how Kubernetes and \
            Kubetrail read identities. Certificates are short-lived: the default is 8h, more than 24h \
            needs --allow-long-ttl, and nothing may outlive the CA.

            Example:
              kubetrail ca issue --dir /etc/kubetrail/ca --user alice \\
                  --group dev --group oncall --cluster prod --cluster staging \\
                  --server https://proxy:8443 --out ./alice
              kubectl --kubeconfig ./alice/kubeconfig get pods
            """
    )

    @Option(name: .long, help: ArgumentHelp("Directory holding the CA (ca.crt, ca.key).", valueName: "dir"))
    var dir: String

    @Option(name: .long, help: ArgumentHelp("Kubernetes user name (certificate CN). No 'system:' prefix, commas, slashes or control characters.", valueName: "user"))
    var user: String

    @Option(name: .long, help: ArgumentHelp("Kubernetes group (certificate O); repeat for several groups.", valueName: "group"))
    var group: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp("Certificate lifetime, e.g. 30m, 8h; at most 24h without --allow-long-ttl. (default: 8h)", valueName: "duration"),
        transform: { try CertificateTTL(parsing: $0) }
    )
    var ttl: CertificateTTL = .hours(8)

    @Option(name: .long, help: ArgumentHelp("Cluster behind the proxy to add as a context (repeatable; lowercase DNS label, e.g. prod-eu1).", valueName: "name"))
    var cluster: [String] = []

    @Option(name: .long, help: ArgumentHelp("Proxy base URL as users reach it; must be https.", valueName: "url"))
    var server: String

    @Option(name: .long, help: ArgumentHelp("Directory to write <user>.crt, <user>.key and kubeconfig to.", valueName: "dir"))
    var out: String

    @Option(name: .long, help: ArgumentHelp("Default namespace of every context.", valueName: "namespace"))
    var namespace: String = "default"

    @Flag(name: .long, help: "Allow a TTL above 24h (long-lived credentials cannot be revoked quickly).")
    var allowLongTTL = false

    @Flag(name: .long, help: "Allow a user or group starting with 'system:' (e.g. system:masters bypasses RBAC).")
    var allowSystemUser = false

    func run() throws {
        // Validate everything cheap before touching the CA key.
        let clusters = try cluster.map { name throws(CertificateAuthorityError) in try ClusterName(name) }
        if clusters.isEmpty { throw CertificateAuthorityError.noClusters }
        let proxy = try ProxyServerURL(server)
        let authority = try CertificateAuthority.load(directory: dir)
        let credential = try authority.issueClient(
            user: user,
            groups: group,
            ttl: ttl,
            allowLongTTL: allowLongTTL,
            allowSystemNames: allowSystemUser
        )
        let kubeconfig = try Kubeconfig.render(
            user: user,
            clusters: clusters,
            server: proxy,
            namespace: namespace,
            certificateAuthorityPEM: try authority.certificatePEM,
            clientCertificatePEM: try credential.certificatePEM,
            clientKeyPEM: credential.privateKeyPEM
        )
        let bundle = try ClientBundle.write(credential: credential, user: user, kubeconfig: kubeconfig, directory: out)
        print("wrote \(bundle.certificatePath), \(bundle.keyPath) and \(bundle.kubeconfigPath)")
        print("user \(user), groups [\(group.joined(separator: ", "))], valid until "
            + "\(credential.certificate.notValidAfter.formatted(.iso8601)); "
            + "contexts: \(clusters.map(\.rawValue).joined(separator: ", "))")
    }
}
