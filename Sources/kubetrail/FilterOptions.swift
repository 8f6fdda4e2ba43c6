import ArgumentParser
import Audit
import Foundation

/// The filters shared by `query` and `export`.
struct FilterOptions: ParsableArguments {
    @Option(help: "Only this user (repeatable).")
    var user: [String] = []
    @Option(help: "Only users in this group (repeatable: any of them).")
    var group: [String] = []
    @Option(help: "Only this cluster (repeatable).")
    var cluster: [String] = []
    @Option(help: "Only this namespace (repeatable).")
    var namespace: [String] = []
    @Option(help: "Only this verb: get, list, watch, create, update, patch, delete, deletecollection, … (repeatable).")
    var verb: [String] = []
    @Option(help: "Only this resource, e.g. pods, secrets, deployments (repeatable).")
    var resource: [String] = []
    @Option(help: "Only objects with this name (repeatable).")
    var name: [String] = []
    @Option(help: "Only this status: a code (404) or a class (4xx).")
    var status: String?
    @Option(help: "Only allowed, denied or unauthenticated requests: allow, deny or unauthenticated.")
    var decision: String?
    @Option(help: "Only this session: an exec/attach/port-forward session id, a Kubectl-Session or a connection id.")
    var session: String?
    @Option(help: "Only the events of this audit id (the Audit-ID header).")
    var auditID: String?
    @Option(help: "From this time on: RFC 3339 (2026-11-25T12:00:00Z) or a duration ago (90m, 24h, 7d).")
    var since: String?
    @Option(help: "Before this time: RFC 3339 or a duration ago.")
    var until: String?

    func filter(now: Date = Date()) throws -> AuditFilter {
        var f = AuditFilter()
        f.users = user
        f.groups = group
        f.clusters = cluster
        f.namespaces = namespace
        f.verbs = verb
        f.resources = resource
        f.names = name
        f.status = try status.map(AuditFilter.StatusFilter.init)
        if let decision {
            guard let d = AuditEvent.Decision(rawValue: decision) else {
                throw ValidationError("--decision must be allow, deny or unauthenticated, got '\(decision)'")
            }
            f.decision = d
        }
        f.session = session
        if let auditID {
            guard let id = UUID(uuidString: auditID) else { throw ValidationError("--audit-id must be a UUID, got '\(auditID)'") }
            f.auditID = id
        }
        f.since = try since.map { try TimeBound($0, now: now).date }
        f.until = try until.map { try TimeBound($0, now: now).date }
        if let s = f.since, let u = f.until, s >= u {
            throw ValidationError("--since (\(since!)) must be before --until (\(until!))")
        }
        return f
    }
}

/// Lines to standard output or a file, written in large blocks.
final class LineOutput {
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(path: String?) throws {
        if let path {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw ValidationError("cannot create \(path)")
            }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        } else {
            handle = FileHandle.standardOutput
        }
        buffer.reserveCapacity(1 << 17)
    }

    func write(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(0x0a)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// One record as one line, formatted straight into the output buffer.
    func write(_ record: AuditRecord, as format: AuditRecordFormat) throws {
        try format.write(record, into: &buffer)
        buffer.append(0x0a)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Text as it is, no newline added.
    func write(raw text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { handle.write(Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: $0.baseAddress!), count: $0.count, deallocator: .none)) }
        buffer.removeAll(keepingCapacity: true)
    }
}

func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

func parseFormat(_ text: String?, default fallback: AuditRecordFormat) throws -> AuditRecordFormat {
    guard let text else { return fallback }
    guard let format = AuditRecordFormat(rawValue: text) else {
        throw ValidationError("--format must be one of \(AuditRecordFormat.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
    }
    return format
}
