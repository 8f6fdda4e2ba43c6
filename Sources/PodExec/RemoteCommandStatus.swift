/// The outcome of a remote command, as the `metav1.Status` sent on the error channel.
///
/// Shapes follow what a Kubernetes 1.30+ apiserver sends to a WebSocket client
/// (`k8s.io/apiserver/pkg/util/proxy/streamtranslator.go`):
/// - success: `{"metadata":{},"status":"Success"}`
/// - exit code 3: `{"metadata":{},"status":"Failure","message":"command terminated with non-zero
///   exit code: command terminated with exit code 3","reason":"NonZeroExitCode","details":
///   {"causes":[{"reason":"ExitCode","message":"3"}]}}`
/// - anything else went wrong: an `InternalError` with code 500.
public struct RemoteCommandStatus: Equatable, Sendable {
    /// One entry of `details.causes`.
    public struct Cause: Equatable, Sendable {
        /// `reason` in JSON (Go's field `Type`), e.g. `ExitCode`.
        public var reason: String?
        public var message: String?
        public var field: String?

        public init(reason: String? = nil, message: String? = nil, field: String? = nil) {
            self.reason = reason
            self.message = message
            self.field = field
        }
    }

    /// `Success` or `Failure`.
    public var status: String
    public var message: String?
    public var reason: String?
    /// `details.causes`; nil when the Status has no `details`.
    public var causes: [Cause]?
    /// HTTP-like status code; nil (omitted) for exit-code failures.
    public var code: Int?

    public init(
        status: String,
        message: String? = nil,
        reason: String? = nil,
        causes: [Cause]? = nil,
        code: Int? = nil
    ) {
        self.status = status
        self.message = message
        self.reason = reason
        self.causes = causes
        self.code = code
    }

    public static let successStatus = "Success"
    public static let failureStatus = "Failure"
    /// `NonZeroExitCodeReason` in k8s.io/apimachinery/pkg/util/remotecommand.
    public static let nonZeroExitCodeReason = "NonZeroExitCode"
    /// `ExitCodeCauseType` in k8s.io/apimachinery/pkg/util/remotecommand.
    public static let exitCodeCauseType = "ExitCode"

    /// The command ran and exited 0.
    public static let success = RemoteCommandStatus(status: successStatus)

    /// The command ran and exited with `code` (1...255; 128+N for a command killed by signal N,
    /// as container runtimes report it). `exitCode(0)` is `success`.
    public static func exitCode(_ code: Int) -> RemoteCommandStatus {
        guard code != 0 else { return .success }
        return RemoteCommandStatus(
            status: failureStatus,
            message: "command terminated with non-zero exit code: command terminated with exit code \(code)",
            reason: nonZeroExitCodeReason,
            causes: [Cause(reason: exitCodeCauseType, message: String(code))]
        )
    }

    /// The command could not be run (`apierrors.NewInternalError`).
    public static func internalError(_ message: String) -> RemoteCommandStatus {
        RemoteCommandStatus(
            status: failureStatus,
            message: "Internal error occurred: \(message)",
            reason: "InternalError",
            causes: [Cause(message: message)],
            code: 500
        )
    }

    /// Whether this is a `Success` status.
    public var isSuccess: Bool { self.status == Self.successStatus }

    /// The exit code as kubectl derives it: 0 for success, the `ExitCode` cause for
    /// `NonZeroExitCode` (parsed as client-go does: a decimal in 0...255), nil otherwise.
    public var exitCode: Int? {
        if self.isSuccess { return 0 }
        guard self.status == Self.failureStatus, self.reason == Self.nonZeroExitCodeReason else { return nil }
        guard let cause = self.causes?.first(where: { $0.reason == Self.exitCodeCauseType }),
            let text = cause.message, !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let value = UInt8(text)
        else { return nil }
        return Int(value)
    }
}
