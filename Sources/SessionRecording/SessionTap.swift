import NIOCore
import SPDY

/// Both directions of one upgraded session, parsed.
///
/// The proxy shows it every byte it splices, as it splices them, with the time since the
/// session started; the tap answers with the frames those bytes complete. It never sees the
/// bytes' way to their destination, so it can neither delay nor alter them. It never traps on
/// what a peer sends: at the first thing it cannot parse it stops, sets `failure` to why, and
/// returns no more frames (the proxy keeps forwarding and records the failure). What it holds
/// is bounded: a WebSocket frame header, one error/resize/close message (1 MiB at most), one
/// SPDY frame (under 16 MiB, SPDY's own limit) per direction.
///
/// `recordStdin: false` drops stdin's bytes (the stream is still parsed, and its close kept).
public struct SessionTap: Sendable {
    public let transport: SessionTransport
    public let recordStdin: Bool
    /// Why parsing stopped; nil while it goes on.
    public private(set) var failure: String?

    /// The WebSocket frame parsers (client, cluster); nil for plain SPDY.
    private var webSocket: (fromClient: WebSocketFrameParser, fromCluster: WebSocketFrameParser)?
    /// Channel demultiplexers (client, cluster) for `channel.k8s.io`; nil otherwise.
    private var channels: (fromClient: ChannelMessageDemultiplexer, fromCluster: ChannelMessageDemultiplexer)?
    /// SPDY, plain or tunnelled; nil for channel protocols. Copied on write.
    private var spdy: SPDYStreamDemultiplexer?
    /// What the cluster wrote on the error channel, for `exit`.
    private var errorChannel: [UInt8] = []

    /// The most error-channel bytes kept for `exit`.
    static let maximumErrorChannelLength = 64 * 1024

    public init(transport: SessionTransport, recordStdin: Bool = true) {
        self.transport = transport
        self.recordStdin = recordStdin
        switch transport {
        case .webSocket(let subprotocol):
            webSocket = (WebSocketFrameParser(), WebSocketFrameParser())
            if subprotocol == SessionTransport.tunnelledSPDYSubprotocol {
                makeSPDY(portForward: true)
            } else if let version = Self.channelProtocolVersion(subprotocol) {
                channels = (
                    ChannelMessageDemultiplexer(direction: .fromClient, closeSignal: version >= 5),
                    ChannelMessageDemultiplexer(direction: .fromCluster, closeSignal: version >= 5))
            } else {
                failure = "WebSocket subprotocol \"\(subprotocol)\" is not parsed"
            }
        case .spdy:
            makeSPDY(portForward: transport.isPortForward)
        }
    }

    /// The version of a binary `channel.k8s.io` subprotocol (1 for the unnumbered one).
    static func channelProtocolVersion(_ subprotocol: String) -> Int? {
        if subprotocol == "channel.k8s.io" { return 1 }
        let suffix = ".channel.k8s.io"
        guard subprotocol.hasPrefix("v"), subprotocol.hasSuffix(suffix) else { return nil }
        return Int(subprotocol.dropFirst().dropLast(suffix.count)).flatMap { $0 >= 2 ? $0 : nil }
    }

    private mutating func makeSPDY(portForward: Bool) {
        do {
            spdy = try SPDYStreamDemultiplexer(portForward: portForward)
        } catch {
            failure = "\(error)"
        }
    }

    /// The frames completed by bytes the client sent.
    public mutating func fromClient(_ bytes: some Collection<UInt8>, at offset: Int64) -> [SessionFrame] {
        receive(bytes, from: .fromClient, at: offset)
    }

    /// The frames completed by bytes the cluster sent.
    public mutating func fromCluster(_ bytes: some Collection<UInt8>, at offset: Int64) -> [SessionFrame] {
        receive(bytes, from: .fromCluster, at: offset)
    }

    /// The frames completed by bytes the client sent, straight from a NIO read.
    public mutating func fromClient(_ buffer: ByteBuffer, at offset: Int64) -> [SessionFrame] {
        receive(buffer, from: .fromClient, at: offset)
    }

    /// The frames completed by bytes the cluster sent, straight from a NIO read.
    public mutating func fromCluster(_ buffer: ByteBuffer, at offset: Int64) -> [SessionFrame] {
        receive(buffer, from: .fromCluster, at: offset)
    }

    /// The exit status the command reported on its error channel so far; nil before it did, or
    /// when what it wrote is not a v4+ `Status`.
    public var exit: RemoteCommandExit? {
        errorChannel.isEmpty ? nil : RemoteCommandExit.parse(errorChannel)
    }

    private mutating func receive(_ bytes: some Collection<UInt8>, from direction: SessionDirection, at offset: Int64) -> [SessionFrame] {
        guard failure == nil, !bytes.isEmpty else { return [] }
        if let frames = bytes.withContiguousStorageIfAvailable({ receive(UnsafeRawBufferPointer($0), from: direction, at: offset) }) {
            return frames
        }
        return Array(bytes).withUnsafeBytes { receive($0, from: direction, at: offset) }
    }

    private mutating func receive(_ buffer: ByteBuffer, from direction: SessionDirection, at offset: Int64) -> [SessionFrame] {
        guard failure == nil, buffer.readableBytes > 0 else { return [] }
        if webSocket == nil {
            return record(spdyBytes: buffer, from: direction, at: offset)
        }
        return buffer.withUnsafeReadableBytes { receive($0, from: direction, at: offset) }
    }

    private mutating func receive(_ bytes: UnsafeRawBufferPointer, from direction: SessionDirection, at offset: Int64) -> [SessionFrame] {
        guard failure == nil, bytes.count > 0 else { return [] }
        guard webSocket != nil else {
            return record(spdyBytes: ByteBuffer(bytes: bytes), from: direction, at: offset)
        }
        let events = direction == .fromClient ? webSocket!.fromClient.parse(bytes) : webSocket!.fromCluster.parse(bytes)
        let parseFailure = direction == .fromClient ? webSocket!.fromClient.failure : webSocket!.fromCluster.failure
        let frames = channels == nil
            ? unwrapSPDY(events, from: direction, at: offset)
            : demultiplex(events, from: direction, at: offset)
        if failure == nil, let parseFailure {
            return stop("WebSocket \(direction.phrase): \(parseFailure)", keeping: frames)
        }
        return frames
    }

    /// channel.k8s.io: each event through its direction's demultiplexer.
    private mutating func demultiplex(_ events: [WebSocketFrameParser.Event], from direction: SessionDirection, at offset: Int64) -> [SessionFrame] {
        var frames: [SessionFrame] = []
        for event in events {
            do throws(WebSocketParseError) {
                let frame = direction == .fromClient
                    ? try channels!.fromClient.handle(event, at: offset)
                    : try channels!.fromCluster.handle(event, at: offset)
                if let frame { keep(frame, in: &frames) }
            } catch {
                return stop("WebSocket \(direction.phrase): \(error.reason)", keeping: frames)
            }
        }
        return frames
    }

    /// SPDY tunnelled in WebSocket: binary payloads are the SPDY byte stream, message
    /// boundaries mean nothing (client-go's TunnelingConnection).
    private mutating func unwrapSPDY(_ events: [WebSocketFrameParser.Event], from direction: SessionDirection, at offset: Int64) -> [SessionFrame] {
        var frames: [SessionFrame] = []
        for event in events {
            switch event {
            case .messageStarted(binary: false):
                return stop("WebSocket \(direction.phrase): text message in a SPDY tunnel", keeping: frames)
            case .payload(let bytes):
                frames += record(spdyBytes: ByteBuffer(bytes: bytes), from: direction, at: offset)
                if failure != nil { return frames }
            case .messageStarted, .messageEnded, .control:
                continue
            }
        }
        return frames
    }

    private mutating func record(spdyBytes: ByteBuffer, from direction: SessionDirection, at offset: Int64) -> [SessionFrame] {
        guard spdy != nil else { return [] }
        if !isKnownUniquelyReferenced(&spdy) {
            do {
                spdy = try spdy!.copy()
            } catch {
                return stop("\(error)", keeping: [])
            }
        }
        do {
            var frames: [SessionFrame] = []
            for frame in try spdy!.receive(spdyBytes, from: direction, at: offset) { keep(frame, in: &frames) }
            return frames
        } catch {
            return stop(error.reason, keeping: [])
        }
    }

    /// Applies `recordStdin` and notes the error channel.
    private mutating func keep(_ frame: SessionFrame, in frames: inout [SessionFrame]) {
        if frame.stream == .stdin, !recordStdin { return }
        if frame.stream == .error, frame.direction == .fromCluster {
            let room = Self.maximumErrorChannelLength - errorChannel.count
            errorChannel.append(contentsOf: frame.bytes.prefix(max(0, room)))
        }
        frames.append(frame)
    }

    private mutating func stop(_ reason: String, keeping frames: [SessionFrame]) -> [SessionFrame] {
        failure = reason
        webSocket = nil
        channels = nil
        spdy = nil
        return frames
    }
}

/// Why a session's bytes could not be parsed further.
struct SessionTapError: Error, Sendable {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

extension SessionDirection {
    /// "from the client", "from the cluster": for failure messages.
    var phrase: String { self == .fromClient ? "from the client" : "from the cluster" }
}
