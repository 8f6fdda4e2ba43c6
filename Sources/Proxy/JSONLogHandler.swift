import Foundation
import KubeAPI
import Logging
import Synchronization

/// A swift-log backend that writes one JSON object per line: `time`, `level`, `logger`, `msg`,
/// then the metadata keys; what log shippers (Loki, Elasticsearch, Cloud Logging) ingest as is.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let sink: JSONLogSink

    public init(label: String, level: Logger.Level = .info, sink: JSONLogSink = .standardError) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        sink.write(Self.line(time: Date(), level: event.level, label: label, message: "\(event.message)", metadata: merged))
    }

    /// One log line, newline included; the fixed keys first, metadata keys sorted.
    public static func line(time: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> [UInt8] {
        var members: [JSONObject.Member] = [
            .init(key: "time", value: .string(KubernetesTime.rfc3339Micro(microseconds: Int64(time.timeIntervalSince1970 * 1_000_000)))),
            .init(key: "level", value: .string(level.rawValue)),
            .init(key: "logger", value: .string(label)),
            .init(key: "msg", value: .string(message)),
        ]
        let reserved: Set<String> = ["time", "level", "logger", "msg"]
        for key in metadata.keys.sorted() {
            members.append(.init(key: reserved.contains(key) ? "meta." + key : key, value: json(metadata[key]!)))
        }
        return JSONSerializer.bytes(.object(JSONObject(members: members))) + [0x0A]
    }

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let fields): .object(JSONObject(members: fields.keys.sorted().map { .init(key: $0, value: json(fields[$0]!)) }))
        }
    }
}

/// Where JSON log lines go; whole lines are written at once, so concurrent loggers never interleave.
public final class JSONLogSink: Sendable {
    /// Serialises writes to the file descriptor: a line is one `write` call, but a short write
    /// must finish before another line starts.
    private let descriptor: Mutex<Int32>

    public init(fileDescriptor: Int32) { descriptor = Mutex(fileDescriptor) }

    public static let standardError = JSONLogSink(fileDescriptor: 2)

    func write(_ line: [UInt8]) {
        descriptor.withLock { fd in
            line.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                    if written <= 0 { if errno == EINTR { continue } else { return } }
                    offset += written
                }
            }
        }
    }
}
