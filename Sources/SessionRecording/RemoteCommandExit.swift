import KubeAPI

/// The exit status a remote command reported on its error channel (a metav1.Status JSON:
/// Success, or Failure with reason NonZeroExitCode and details.causes[ExitCode]).
///
/// Read the way client-go's v4 error decoder reads it, so the recorded code is the one kubectl
/// exited with: keys match case-insensitively, the ExitCode cause's message must be a decimal
/// in 0...255.
public struct RemoteCommandExit: Sendable, Equatable {
    /// 0 for Success, the command's code for NonZeroExitCode; nil for any other failure (the
    /// command could not run, the container went away) or an unreadable code.
    public var code: Int32?
    /// The Status's message (`command terminated with non-zero exit code: …`), if any.
    public var message: String?

    public init(code: Int32?, message: String?) {
        self.code = code
        self.message = message
    }

    /// Reads the whole error channel; nil when it is not a Status (v1–v3 servers write plain
    /// text there).
    public static func parse(_ errorChannelBytes: [UInt8]) -> RemoteCommandExit? {
        guard let status = try? JSONParser.parse(errorChannelBytes).objectValue,
            let outcome = status.goMember("status")?.stringValue
        else { return nil }
        let message = status.goMember("message")?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        switch outcome {
        case "Success":
            return RemoteCommandExit(code: 0, message: message)
        case "Failure" where status.goMember("reason")?.stringValue == "NonZeroExitCode":
            let causes = status.goMember("details")?.objectValue?.goMember("causes")?.arrayValue ?? []
            let exitCause = causes.compactMap(\.objectValue).first { $0.goMember("reason")?.stringValue == "ExitCode" }
            let code = exitCause?.goMember("message")?.stringValue.flatMap { UInt8($0) }.map(Int32.init)
            return RemoteCommandExit(code: code, message: message)
        default:
            return RemoteCommandExit(code: nil, message: message)
        }
    }
}

extension JSONObject {
    /// The member Go's encoding/json would decode into a field named `key`: the exact key if
    /// present, else the first that matches ignoring ASCII case.
    func goMember(_ key: String) -> JSONValue? {
        if let exact = self[key] { return exact }
        let folded = key.lowercased()
        return members.first { $0.key.lowercased() == folded }?.value
    }
}
