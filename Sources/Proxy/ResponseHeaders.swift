/// Headers of an upstream response that are not passed to the client: they describe the
/// upstream connection, not the answer.
enum ResponseHeaders {
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer",
        "transfer-encoding", "upgrade",
    ]
}
