import Foundation

/// Renders a kubeconfig that points kubectl at the Kubetrail proxy, one cluster and context per proxied cluster.
///
/// Every scalar is emitted as a YAML double-quoted string with escapes, so no user-controlled value
/// can change the document's structure.
public enum Kubeconfig {
    /// Renders the kubeconfig YAML.
    ///
    /// Cluster and context are both named after the cluster; `current-context` is the first cluster.
    /// The CA, client certificate and key are embedded base64-encoded (`*-data` fields), so the file
    /// stands alone and must be protected like the key itself.
    ///
    /// - Parameters:
    ///   - user: the kubeconfig user entry name (Kubetrail uses the certificate's user name).
    ///   - clusters: at least one cluster; duplicates are refused.
    ///   - server: the proxy's base URL.
    ///   - namespace: default namespace for every context (a DNS label).
    ///   - certificateAuthorityPEM: the Kubetrail CA that signed the proxy's serving certificate.
    ///   - clientCertificatePEM: the user's certificate.
    ///   - clientKeyPEM: the user's private key.
    public static func render(
        user: String,
        clusters: [ClusterName],
        server: ProxyServerURL,
        namespace: String = "default",
        certificateAuthorityPEM: String,
        clientCertificatePEM: String,
        clientKeyPEM: String
    ) throws(CertificateAuthorityError) -> String {
        guard let first = clusters.first else { throw .noClusters }
        var seen = Set<ClusterName>()
        for cluster in clusters where !seen.insert(cluster).inserted {
            throw .duplicateCluster(cluster.rawValue)
        }
        guard DNSLabel.isValid(namespace) else { throw .invalidNamespace(namespace) }

        let caData = Self.base64(certificateAuthorityPEM)
        var out = "apiVersion: v1\nkind: Config\npreferences: {}\nclusters:\n"
        for cluster in clusters {
            out += "- name: \(quote(cluster.rawValue))\n"
            out += "  cluster:\n"
            out += "    server: \(quote(server.url(for: cluster)))\n"
            out += "    certificate-authority-data: \(quote(caData))\n"
        }
        out += "users:\n"
        out += "- name: \(quote(user))\n"
        out += "  user:\n"
        out += "    client-certificate-data: \(quote(Self.base64(clientCertificatePEM)))\n"
        out += "    client-key-data: \(quote(Self.base64(clientKeyPEM)))\n"
        out += "contexts:\n"
        for cluster in clusters {
            out += "- name: \(quote(cluster.rawValue))\n"
            out += "  context:\n"
            out += "    cluster: \(quote(cluster.rawValue))\n"
            out += "    user: \(quote(user))\n"
            out += "    namespace: \(quote(namespace))\n"
        }
        out += "current-context: \(quote(first.rawValue))\n"
        return out
    }

    /// A YAML 1.2 double-quoted scalar; escapes `"`, `\` and every non-printable scalar.
    static func quote(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                let category = scalar.properties.generalCategory
                if category == .control || category == .format || category == .lineSeparator
                    || category == .paragraphSeparator || scalar.value == 0xFEFF
                {
                    if scalar.value <= 0xFF {
                        out += "\\x" + Self.hex(scalar.value, width: 2)
                    } else if scalar.value <= 0xFFFF {
                        out += "\\u" + Self.hex(scalar.value, width: 4)
                    } else {
                        out += "\\U" + Self.hex(scalar.value, width: 8)
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private static func base64(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
    }
}
