extension SPDYSession {
    /// Which end of the connection this session is.
    public enum Role: Sendable, Hashable {
        /// Accepts streams; opens even-numbered ones; pings with even ids. The emulator.
        case server
        /// Opens odd-numbered streams; pings with odd ids. kubectl's side.
        case client
    }

    /// How a session treats SPDY/3.1 flow control.
    public enum FlowControl: Sendable, Hashable {
        /// SPDY/3.1: per-stream and session windows (64 KiB initially). Data beyond the
        /// peer's window is queued until WINDOW_UPDATE; this side returns window as data is
        /// received (or consumed, see `WindowRelease`); data beyond our window is an error.
        case enforced
        /// What moby/spdystream (kubectl, kubelet, apiserver) does: no windows at all. It
        /// never sends WINDOW_UPDATE and ignores ours, so `.enforced` against it would stall
        /// every stream after 64 KiB. Nothing is queued, no WINDOW_UPDATE is sent, any amount
        /// is accepted.
        case disabled
    }

    /// When received bytes are handed back to the peer's send window (`.enforced` only).
    public enum WindowRelease: Sendable, Hashable {
        /// As soon as a DATA frame is delivered as an event.
        case onReceipt
        /// Only when the owner calls `consumed(stream:bytes:)`: real backpressure.
        case onConsumption
    }

    /// Tunables of one session.
    public struct Configuration: Sendable {
        public var flowControl: FlowControl
        public var windowRelease: WindowRelease
        /// Largest DATA payload this side writes per frame.
        public var maximumDataFrameSize: Int
        /// Bounds on what the peer may make the parser hold.
        public var parserLimits: SPDYFrameParser.Limits

        public init(
            flowControl: FlowControl = .enforced,
            windowRelease: WindowRelease = .onReceipt,
            maximumDataFrameSize: Int = 32 * 1024,
            parserLimits: SPDYFrameParser.Limits = SPDYFrameParser.Limits()
        ) {
            self.flowControl = flowControl
            self.windowRelease = windowRelease
            self.maximumDataFrameSize = max(1, min(maximumDataFrameSize, SPDYFrame.maximumPayloadLength))
            self.parserLimits = parserLimits
        }

        /// Interoperates with Kubernetes' moby/spdystream peers (kubectl exec/attach/cp/
        /// port-forward): flow control disabled, as spdystream has none.
        public static let kubernetes = Configuration(flowControl: .disabled)
    }

    /// SPDY/3.1's initial stream and session window.
    public static let defaultWindowSize = 65_536
    /// The largest a window may grow.
    static let maximumWindowSize = 0x7FFF_FFFF
}
