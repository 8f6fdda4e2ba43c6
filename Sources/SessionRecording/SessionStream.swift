/// What a recorded frame carries: a remote command's channel, or port-forward data or errors.
///
/// The raw values are the `channel.k8s.io` channel numbers where one exists, so that they read
/// the same in a recording as on the wire; port-forward streams, which have no channel number,
/// start at 16. The values are stored in recordings (`FrameChunkEncoding`): never renumber.
public enum SessionStream: UInt8, Sendable, CaseIterable {
    case stdin = 0
    case stdout = 1
    case stderr = 2
    /// The error channel: the command's exit status (a `metav1.Status` from v4 on).
    case error = 3
    /// Terminal size changes (`{"Width":80,"Height":24}`).
    case resize = 4
    /// A side finished writing a channel; the frame's bytes are that channel's number. This is
    /// v5's close signal (channel 255 on the wire), and a FIN on a SPDY remote-command stream.
    case close = 5
    /// Bytes of a forwarded TCP connection, either way.
    case portForwardData = 16
    /// The error stream of a forwarded port: why the pod side could not connect or broke off.
    case portForwardError = 17

    /// The channel a `channel.k8s.io` message number stands for; nil for numbers without one.
    /// 255 (v5's close signal) is `.close`.
    init?(channel: UInt8) {
        switch channel {
        case 0...4: self.init(rawValue: channel)
        case 255: self = .close
        default: return nil
        }
    }

    /// The stream a remote-command `streamType` header opens; nil for unknown types.
    init?(remoteCommandStreamType type: String) {
        switch type {
        case "stdin": self = .stdin
        case "stdout": self = .stdout
        case "stderr": self = .stderr
        case "error": self = .error
        case "resize": self = .resize
        default: return nil
        }
    }

    /// The side that writes this stream in a well-behaved session (port-forward data flows
    /// both ways; the cluster writes its errors; either side may close a channel).
    public var usualWriter: SessionDirection? {
        switch self {
        case .stdin, .resize: return .fromClient
        case .stdout, .stderr, .error, .portForwardError: return .fromCluster
        case .close, .portForwardData: return nil
        }
    }
}

/// Which side of the proxy sent a frame.
public enum SessionDirection: UInt8, Sendable, CaseIterable {
    /// From kubectl (or another client) towards the cluster.
    case fromClient = 0
    /// From the cluster towards the client.
    case fromCluster = 1
}
