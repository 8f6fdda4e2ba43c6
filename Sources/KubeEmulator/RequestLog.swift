#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KubeAPI

/// The emulator's record of every request it answered: one JSON line each, so tests can assert
/// what reached the cluster (identity, impersonation, Audit-ID) and with what status.
public actor RequestLog {
    private let descriptor: Int32
    public let path: String

    /// Opens (appends to) the log at `path`.
    public init(path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw KubernetesStatus.internalError("cannot open request log \(path): \(String(cString: strerror(errno)))")
        }
        self.descriptor = descriptor
        self.path = path
    }

    deinit { close(descriptor) }

    /// Appends one request's line.
    public func record(_ request: EmulatorRequest, authenticated: UserIdentity?, impersonated: UserIdentity?, status: Int) {
        var line = JSONObject()
        line["time"] = .string(KubernetesTime.rfc3339Micro(microseconds: KubernetesTime.nowMicroseconds()))
        line["method"] = .string(request.method)
        line["path"] = .string(request.path)
        var query = JSONObject()
        for (key, value) in request.query { query[key] = .string(value) }
        line["query"] = .object(query)
        line["verb"] = .string(request.info.verb)
        line["user"] = authenticated?.json ?? .null
        line["impersonated"] = impersonated?.json ?? .null
        line["auditID"] = request.header("audit-id").map { .string($0) } ?? .null
        line["userAgent"] = request.header("user-agent").map { .string($0) } ?? .null
        line["kubectlSession"] = request.header("kubectl-session").map { .string($0) } ?? .null
        line["kubectlCommand"] = request.header("kubectl-command").map { .string($0) } ?? .null
        line["forwardedFor"] = request.header("x-forwarded-for").map { .string($0) } ?? .null
        line["contentType"] = request.header("content-type").map { .string($0) } ?? .null
        line["upgrade"] = request.header("upgrade").map { .string($0) } ?? .null
        line["status"] = .int(Int64(status))
        line["requestBytes"] = .int(Int64(request.receivedBodyBytes))
        var bytes = JSONSerializer.bytes(.object(line))
        bytes.append(0x0A)
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
