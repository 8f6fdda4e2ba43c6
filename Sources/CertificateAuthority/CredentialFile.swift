#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Musl)
private let systemWrite = Musl.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif

/// Writes key and certificate files with exact permissions and without a window in which a
/// half-written or world-readable file exists under the final name.
///
/// The content goes to a fresh temporary file created with the target mode (`O_EXCL`), is synced,
/// and is then moved into place: with `rename(2)` when replacing is allowed, with `link(2)` when
/// it is not, so that two concurrent `ca init` runs cannot both succeed.
enum CredentialFile {
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t, replace: Bool) throws(CertificateAuthorityError) {
        let temporary = path + ".tmp-\(UInt64.random(in: .min ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .fileWriteFailed(path: path, reason: Self.lastError()) }
        var failure: String?
        if fchmod(fd, mode) != 0 { failure = Self.lastError() }  // undo the umask
        var offset = 0
        while failure == nil, offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                failure = Self.lastError()
            } else {
                offset += written
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = Self.lastError() }
        close(fd)
        if failure == nil {
            if replace {
                if rename(temporary, path) != 0 { failure = Self.lastError() }
            } else if link(temporary, path) != 0 {
                let code = errno
                unlink(temporary)
                if code == EEXIST { throw .authorityAlreadyExists(path: path) }
                throw .fileWriteFailed(path: path, reason: String(cString: strerror(code)))
            } else {
                unlink(temporary)
            }
        }
        if let failure {
            unlink(temporary)
            throw .fileWriteFailed(path: path, reason: failure)
        }
    }

    /// Creates `path` (and missing parents) with mode 0700; an existing directory is left as it is.
    static func makeDirectory(_ path: String) throws(CertificateAuthorityError) {
        var components: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            components.append(part)
            let prefix = (path.hasPrefix("/") ? "/" : "") + components.joined(separator: "/")
            if mkdir(prefix, 0o700) != 0, errno != EEXIST {
                throw .fileWriteFailed(path: prefix, reason: Self.lastError())
            }
        }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw .fileWriteFailed(path: path, reason: "not a directory")
        }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func read(_ path: String) throws(CertificateAuthorityError) -> String {
        guard let file = fopen(path, "rb") else {
            if errno == ENOENT { throw .authorityNotFound(path: path) }
            throw .unreadableAuthorityFile(path: path, reason: Self.lastError())
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count == 0 { break }
            bytes += buffer[0..<count]
            if bytes.count > 1 << 20 {
                throw .unreadableAuthorityFile(path: path, reason: "file is larger than 1 MiB")
            }
        }
        if ferror(file) != 0 { throw .unreadableAuthorityFile(path: path, reason: Self.lastError()) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
