import ArgumentParser
import CertificateAuthority

/// `kubetrail ca init`: creates the CA key and certificate.
struct CAInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new Kubetrail CA (ECDSA P-256) in a directory.",
        discussion: """
            Writes DIR/ca.key (private key, mode 0600) and DIR/ca.crt (certificate, mode 0644), creating \
            DIR with mode 0700 if needed. Keep ca.key secret: whoever holds it can mint credentials for any user.

            An existing CA is never overwritten unless --force is given; replacing the CA invalidates \
            every certificate and kubeconfig issued by the old one.

            Example:
              kubetrail ca init --dir /etc/kubetrail/ca --name "Acme Kubetrail CA" \\
                --ttl 17520h
            """
    )

    @Option(name: .long, help: ArgumentHelp("Directory for ca.crt and ca.key.", valueName: "dir"))
    var dir: String

    @Option(name: .long, help: "Common name of the CA certificate.")
    var name: String = CertificateAuthority.defaultName

    @Option(
        name: .long,
        help: ArgumentHelp("How long the CA is valid (h/m/s units, e.g. 8760h = one year). (default: 8760h)", valueName: "duration"),
        transform: { try CertificateTTL(parsing: $0) }
    )
    var ttl: CertificateTTL = .hours(8760)

    @Flag(name: .long, help: "Replace an existing CA in --dir (invalidates everything it issued).")
    var force = false

    func run() throws {
        let authority = try CertificateAuthority.create(directory: dir, name: name, ttl: ttl, force: force)
        print("created CA \"\(name)\" in \(dir), valid until \(authority.certificate.notValidAfter.formatted(.iso8601))")
    }
}
