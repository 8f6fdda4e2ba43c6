import Foundation

/// What identifies a file's content without reading it: a rename over it (cert-manager's
/// symlink swap, `mv`) changes the inode, an edit in place the size or the modification time.
struct FileSignature: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: timespec

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = info.st_mtim
    }

    static func == (lhs: FileSignature, rhs: FileSignature) -> Bool {
        lhs.device == rhs.device && lhs.inode == rhs.inode && lhs.size == rhs.size
            && lhs.modified.tv_sec == rhs.modified.tv_sec && lhs.modified.tv_nsec == rhs.modified.tv_nsec
    }
}

/// Polls a set of files and reports when any of them changed, appeared or went away.
///
/// Polling rather than inotify: it sees through symlinks (Kubernetes secret volumes swap a
/// `..data` link) and works the same on every file system.
struct FileChangeWatch {
    var signatures: [String: FileSignature?]

    init(paths: [String]) {
        signatures = Dictionary(paths.map { ($0, FileSignature(path: $0)) }, uniquingKeysWith: { first, _ in first })
    }

    /// The paths whose signature differs from the one recorded.
    func changed() -> [String] {
        signatures.keys.sorted().filter { FileSignature(path: $0) != signatures[$0]! }
    }
}
