import ArgumentParser
import CertificateAuthority

/// `kubetrail ca server`: issues the proxy's own TLS serving certificate.
struct CAServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Issue the proxy's TLS server certificate from the Kubetrail CA.",
        discussion: """
            Writes OUT/server.crt (mode 0644) and OUT/server.key (mode 0600). Each --host becomes a \
            subject alternative name: IP addresses as IP SANs, everything else as DNS names. kubectl \
            trusts this certificate because issued kubeconfigs embed the same CA.

            Example:
              kubetrail ca server --dir /etc/kubetrail/ca --host 127.0.0.1 \\
                  --host localhost --host proxy --out /etc/kubetrail/tls
            """
    )

    @Option(name: .long, help: ArgumentHelp("Directory holding the CA (ca.crt, ca.key).", valueName: "dir"))
    var dir: String

    @Option(name: .long, help: ArgumentHelp("IP address or DNS name clients use to reach the proxy (repeatable).", valueName: "host"))
    var host: [String] = []

    @Option(name: .long, help: ArgumentHelp("Directory to write server.crt and server.key to.", valueName: "dir"))
    var out: String

    @Option(
        name: .long,
        help: ArgumentHelp("How long the server certificate is valid. (default: 720h)", valueName: "duration"),
        transform: { try CertificateTTL(parsing: $0) }
    )
    var ttl: CertificateTTL = .hours(720)

    func validate() throws {
        if host.isEmpty { throw ValidationError("at least one --host is required (e.g. --host proxy.example.com)") }
    }

    func run() throws {
        let authority = try CertificateAuthority.load(directory: dir)
        let credential = try authority.issueServer(hosts: host, ttl: ttl)
        let paths = try credential.write(to: out, baseName: "server")
        print("wrote \(paths.certificatePath) and \(paths.keyPath) for \(host.joined(separator: ", ")), "
            + "valid until \(credential.certificate.notValidAfter.formatted(.iso8601))")
    }
}
