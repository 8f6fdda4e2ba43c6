/// What listens on every port of an emulated pod: a tiny HTTP server, or an echo for anything
/// that is not HTTP. Pure: bytes in, bytes out, and whether the connection ends.
struct PortForwardResponder {
    enum Mode { case undecided, http, echo }

    let pod: String
    let port: Int
    private(set) var mode = Mode.undecided
    private var pending: [UInt8] = []
    static let maximumHeaderBytes = 64 * 1024
    static let methods = ["GET ", "HEAD ", "POST ", "PUT ", "DELETE ", "PATCH ", "OPTIONS "].map { Array($0.utf8) }

    init(pod: String, port: Int) {
        self.pod = pod
        self.port = port
    }

    /// Feeds bytes from the client; returns bytes to send back and whether to end the connection.
    mutating func receive(_ bytes: [UInt8]) -> (reply: [UInt8], finished: Bool) {
        switch mode {
        case .echo:
            return (bytes, false)
        case .undecided, .http:
            pending += bytes
            if mode == .undecided {
                let prefix = Array(pending.prefix(8))
                let couldBeHTTP = Self.methods.contains { method in
                    prefix.count >= method.count ? Array(prefix.prefix(method.count)) == method : Array(method.prefix(prefix.count)) == prefix
                }
                guard couldBeHTTP else {
                    mode = .echo
                    defer { pending = [] }
                    return (pending, false)
                }
                if pending.count >= 8 || Self.methods.contains(where: { pending.starts(with: $0) }) { mode = .http }
                if mode == .undecided { return ([], false) }
            }
            guard let end = Self.headerEnd(pending) else {
                if pending.count > Self.maximumHeaderBytes { return (Self.response(status: "431 Request Header Fields Too Large", body: "header too large\n"), true) }
                return ([], false)
            }
            let head = String(decoding: pending[..<end], as: UTF8.self)
            let requestLine = head.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
            pending = []
            let parts = requestLine.split(separator: " ")
            let path = parts.count > 1 ? String(parts[1]) : "/"
            let body = "hello from pod \(pod) port \(port): \(parts.first ?? "") \(path)\n"
            return (Self.response(status: "200 OK", body: parts.first == "HEAD" ? nil : body, length: body.utf8.count), true)
        }
    }

    static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index + 4
        }
        return nil
    }

    static func response(status: String, body: String?, length: Int? = nil) -> [UInt8] {
        let text = "HTTP/1.1 \(status)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: \(length ?? body?.utf8.count ?? 0)\r\n"
            + "Connection: close\r\n\r\n" + (body ?? "")
        return Array(text.utf8)
    }
}
