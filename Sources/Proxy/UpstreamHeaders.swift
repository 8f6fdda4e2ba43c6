/// The headers sent upstream: the client's, minus every credential, impersonation and
/// hop-by-hop header, plus the proxy's own credential and the caller's identity as
/// impersonation.
enum UpstreamHeaders {
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length",
    ]

    static func build(client: [(String, String)], caller: AuthenticatedCaller, auditID: String, sourceIP: String,
                      upstreamToken: String?) -> [(String, String)] {
        // Headers the client names in Connection are hop-by-hop too, whatever they are.
        let named = Set(client.filter { $0.0.lowercased() == "connection" }
            .flatMap { $0.1.split(separator: ",") }
            .map { $0.trimming(" \t").lowercased() })
        var forwardedFor: [String] = []
        var headers: [(String, String)] = []
        for (name, value) in client {
            let lower = name.lowercased()
            if lower == "x-forwarded-for" {
                forwardedFor.append(value)
                continue
            }
            if hopByHop.contains(lower) || named.contains(lower) || lower == "authorization" || lower.hasPrefix("impersonate-")
                || lower == "audit-id" || lower.hasPrefix("x-remote-")
            {
                continue
            }
            headers.append((name, value))
        }
        if let upstreamToken { headers.append(("Authorization", "Bearer " + upstreamToken)) }
        headers.append(("Impersonate-User", caller.user))
        for group in caller.groups where group != "system:authenticated" { headers.append(("Impersonate-Group", group)) }
        headers.append(("Audit-ID", auditID))
        headers.append(("X-Forwarded-For", (forwardedFor + [sourceIP]).joined(separator: ", ")))
        return headers
    }
}
