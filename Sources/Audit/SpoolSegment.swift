import Foundation

/// A spool failure: the path, the operation and the system's reason.
public struct SpoolError: Error, CustomStringConvertible {
    public var description: String

    init(_ description: String) { self.description = description }

    static func posix(_ operation: String, _ path: String, _ code: Int32 = errno) -> SpoolError {
        SpoolError("\(operation) \(path): \(String(cString: strerror(code)))")
    }
}

/// The fixed start of a segment: which writer's chain it continues, and from where.
struct SpoolSegmentHeader: Equatable {
    static let magic = Array("KTSPOOL1".utf8)

    var writerID: String
    /// The seq of the first event this segment may hold.
    var firstSeq: UInt64
    /// The chain head before `firstSeq`: lets recovery restore the chain from an empty segment.
    var prevHash: [UInt8]

    func encode() -> [UInt8] {
        var payload = CanonicalByteWriter(reservingCapacity: 64)
        payload.write(writerID)
        payload.write(firstSeq)
        payload.write(bytes: prevHash)
        var bytes = Self.magic
        SpoolFrame.append(payload.bytes, to: &bytes)
        return bytes
    }

    /// Parses a header from the start of `bytes`, returning it and its size.
    static func decode(_ bytes: [UInt8]) throws -> (SpoolSegmentHeader, Int) {
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else {
            throw SpoolError("not a Kubetrail spool segment (bad magic)")
        }
        let parsed = bytes.withUnsafeBytes { SpoolFrame.parse($0, at: magic.count) }
        guard case .frame(let range, let next) = parsed else { throw SpoolError("torn or corrupt segment header") }
        var r = CanonicalByteReader(Array(bytes[range]))
        let header = SpoolSegmentHeader(
            writerID: try r.readString(), firstSeq: try r.read(UInt64.self), prevHash: Array(try r.readBytes(32)))
        return (header, next)
    }
}

/// An open segment file: append-only writes, positional reads, fsync.
///
/// Only the spool's single flush path writes to a segment, and readers use positional reads
/// (`pread`), so one file descriptor needs no lock.
final class SpoolSegmentFile: @unchecked Sendable {
    let path: String
    let firstSeq: UInt64
    private let fd: Int32
    /// Bytes known to be in the file (header included).
    private(set) var size: Int

    static func fileName(firstSeq: UInt64) -> String {
        "segment-" + String(repeating: "0", count: max(0, 20 - String(firstSeq).count)) + String(firstSeq) + ".spool"
    }

    static func firstSeq(ofFileName name: String) -> UInt64? {
        guard name.hasPrefix("segment-"), name.hasSuffix(".spool") else { return nil }
        return UInt64(name.dropFirst("segment-".count).dropLast(".spool".count))
    }

    /// Creates a new segment with its header, durable (file and directory fsync'd) on return.
    static func create(directory: String, header: SpoolSegmentHeader) throws -> SpoolSegmentFile {
        let path = directory + "/" + fileName(firstSeq: header.firstSeq)
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SpoolError.posix("create", path) }
        let file = SpoolSegmentFile(path: path, firstSeq: header.firstSeq, fd: fd, size: 0)
        try file.append(header.encode())
        try file.sync()
        try syncDirectory(directory)
        return file
    }

    static func open(path: String, firstSeq: UInt64) throws -> SpoolSegmentFile {
        let fd = Glibc.open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw SpoolError.posix("open", path) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { close(fd); throw SpoolError.posix("stat", path) }
        return SpoolSegmentFile(path: path, firstSeq: firstSeq, fd: fd, size: Int(st.st_size))
    }

    private init(path: String, firstSeq: UInt64, fd: Int32, size: Int) {
        self.path = path
        self.firstSeq = firstSeq
        self.fd = fd
        self.size = size
    }

    deinit { close(fd) }

    func append(_ bytes: [UInt8]) throws {
        var written = 0
        try bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = pwrite(fd, raw.baseAddress! + written, raw.count - written, off_t(size + written))
                if n < 0 {
                    if errno == EINTR { continue }
                    let code = errno
                    // Undo a partial write so the next append does not follow a torn frame.
                    _ = ftruncate(fd, off_t(size))
                    throw SpoolError.posix("write", path, code)
                }
                written += n
            }
        }
        size += written
    }

    func sync() throws {
        guard fdatasync(fd) == 0 else { throw SpoolError.posix("fsync", path) }
    }

    /// Cuts the file at `length` (recovery of a torn tail), durably.
    func truncate(to length: Int) throws {
        guard ftruncate(fd, off_t(length)) == 0 else { throw SpoolError.posix("truncate", path) }
        size = length
        try sync()
    }

    /// Reads up to `count` bytes at `offset`; fewer at the end of the file.
    func read(at offset: Int, count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var got = 0
        try buffer.withUnsafeMutableBytes { raw in
            while got < count {
                let n = pread(fd, raw.baseAddress! + got, count - got, off_t(offset + got))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SpoolError.posix("read", path)
                }
                if n == 0 { break }
                got += n
            }
        }
        buffer.removeSubrange(got...)
        return buffer
    }

    /// The size on disk now (a reader of another process's segment cannot trust `size`).
    func currentSize() throws -> Int {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SpoolError.posix("stat", path) }
        return Int(st.st_size)
    }

    static func syncDirectory(_ directory: String) throws {
        let dfd = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dfd >= 0 else { throw SpoolError.posix("open", directory) }
        defer { close(dfd) }
        guard fsync(dfd) == 0 else { throw SpoolError.posix("fsync", directory) }
    }
}
