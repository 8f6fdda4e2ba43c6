import Foundation
import Yams

/// The whole `kubetrail proxy --config FILE` configuration, validated.
///
/// Build it with `load(path:)` (reads the file) or `init(yaml:source:)`. Every problem is a
/// `ConfigurationError` naming the file, the key path and what is wrong; nothing is guessed.
public struct ProxyConfiguration: Sendable, Equatable {
    /// Where clients connect (default `127.0.0.1:8443`).
    public var listen: ListenAddress
    /// Health, readiness and metrics (default `127.0.0.1:9443`).
    public var adminListen: ListenAddress
    public var tls: TLSSettings
    /// nil: bearer-token authentication is off.
    public var oidc: OIDCSettings?
    public var clusters: [ClusterSettings]
    public var policy: PolicyConfiguration
    public var audit: AuditSettings
    public var upstreamPool: UpstreamPoolSettings

    /// The cluster routed at `/clusters/<name>`.
    public func cluster(named name: String) -> ClusterSettings? {
        clusters.first { $0.name == name }
    }

    /// Reads and validates the file at `path`; errors name the path as given.
    public static func load(path: String) throws(ConfigurationError) -> ProxyConfiguration {
        // open(2) first: its errno says why ("No such file or directory", "Permission denied").
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw ConfigurationError(file: path, keyPath: "", problem: "cannot read the file: \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(file: path, keyPath: "", problem: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(file: path, keyPath: "", problem: "the file is not UTF-8 text")
        }
        return try ProxyConfiguration(yaml: text, source: path)
    }

    /// Parses `yaml`; `source` names it in errors and, unless `baseDirectory` is given, its
    /// directory is where relative file paths are resolved from.
    public init(yaml: String, source: String, baseDirectory: String? = nil) throws(ConfigurationError) {
        let base = baseDirectory ?? Self.directory(of: source)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw ConfigurationError(file: source, keyPath: "", problem: "the file is empty")
            }
            root = node
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(file: source, keyPath: "", problem: "invalid YAML: \(Self.yamlProblem(error))")
        }
        let parser = ConfigurationParser(file: source, baseDirectory: base)
        self = try parser.parse(YAMLNode(node: root, path: "", file: source))
    }

    init(
        listen: ListenAddress, adminListen: ListenAddress, tls: TLSSettings, oidc: OIDCSettings?,
        clusters: [ClusterSettings], policy: PolicyConfiguration, audit: AuditSettings, upstreamPool: UpstreamPoolSettings
    ) {
        self.listen = listen
        self.adminListen = adminListen
        self.tls = tls
        self.oidc = oidc
        self.clusters = clusters
        self.policy = policy
        self.audit = audit
        self.upstreamPool = upstreamPool
    }

    static func directory(of source: String) -> String {
        let absolute = source.hasPrefix("/") ? source : FileManager.default.currentDirectoryPath + "/" + source
        return (absolute as NSString).deletingLastPathComponent
    }

    /// A Yams error as one line: `line 2, column 1: did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 6)`.
    private static func yamlProblem(_ error: Error) -> String {
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let origin = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return "line \(mark.line), column \(mark.column): \(problem)\(origin)"
        case .duplicatedKeysInMapping(let duplicates, let context):
            return "duplicate key \(duplicates.map { "\"\($0)\"" }.joined(separator: ", ")) (line \(context.mark.line), column \(context.mark.column))"
        default:
            let text = String(describing: error)
            return text.split(separator: "\n").first.map(String.init) ?? text
        }
    }
}
