/// A configuration file that cannot be used, with the file, the key and what is wrong.
///
/// `description` reads `FILE: KEY.PATH: what is wrong`, for example
/// `proxy.yaml: clusters[1].server: "htp://x" is not an https URL`. The proxy refuses
/// to start with this message; it never falls back to a default for a key that was written wrong.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file as it was named to the loader (or the `source` given to `init(yaml:source:)`).
    public var file: String
    /// The key path, e.g. `clusters[1].server`; empty when the problem concerns the whole file.
    public var keyPath: String
    /// What is wrong, in words.
    public var problem: String

    public init(file: String, keyPath: String, problem: String) {
        self.file = file
        self.keyPath = keyPath
        self.problem = problem
    }

    public var description: String {
        keyPath.isEmpty ? "\(file): \(problem)" : "\(file): \(keyPath): \(problem)"
    }
}
