import NIOCore
import SPDY

/// Turns both directions of a SPDY/3.1 session (plain, or unwrapped from WebSocket) into
/// session frames, by the `streamType` (and `port`) each stream was opened with.
///
/// One `SPDYFrameParser` per direction, fed every byte in order, so that each direction's
/// single zlib header stream is inflated block by block as the peers compressed it. The
/// client opens every stream (SYN_STREAM with `streamType`: stdin, stdout, stderr, error,
/// resize for a remote command; data or error with `port` for port-forward); DATA frames are
/// then attributed by stream id, whichever side sends them. A FIN on a remote-command stream
/// from the side that writes it becomes a `.close` frame, as v5's close signal does over
/// WebSocket. Streams are forgotten once reset or finished both ways.
///
/// A class because the parsers own zlib state. `SessionTap` copies it (`copy()`) before
/// mutating it whenever it is shared, so every `SessionTap` value owns its own; that is what
/// makes the `@unchecked Sendable` true: an instance is only ever mutated by its one owner.
final class SPDYStreamDemultiplexer: @unchecked Sendable {
    private struct OpenStream {
        var stream: SessionStream
        var port: UInt16?
        var finishedByClient = false
        var finishedByCluster = false
    }

    /// The most streams open at once; kubectl opens at most five for exec and two per
    /// forwarded connection.
    static let maximumOpenStreams = 1024

    let portForward: Bool
    private let fromClient: SPDYFrameParser
    private let fromCluster: SPDYFrameParser
    private var streams: [UInt32: OpenStream] = [:]

    init(portForward: Bool) throws(SPDYError) {
        self.portForward = portForward
        // SPDY's 24-bit length caps a frame just under 16 MiB; accept what the peers may send.
        let limits = SPDYFrameParser.Limits(maximumFramePayload: SPDYFrame.maximumPayloadLength)
        fromClient = try SPDYFrameParser(limits: limits)
        fromCluster = try SPDYFrameParser(limits: limits)
    }

    private init(copying other: SPDYStreamDemultiplexer) throws(SPDYError) {
        portForward = other.portForward
        fromClient = try other.fromClient.copy()
        fromCluster = try other.fromCluster.copy()
        streams = other.streams
    }

    /// An independent demultiplexer in exactly this state.
    func copy() throws(SPDYError) -> SPDYStreamDemultiplexer {
        try SPDYStreamDemultiplexer(copying: self)
    }

    /// The frames that `bytes` complete; throws why the session cannot be parsed further.
    func receive(_ bytes: ByteBuffer, from direction: SessionDirection, at offset: Int64) throws(SessionTapError) -> [SessionFrame] {
        let parser = direction == .fromClient ? fromClient : fromCluster
        parser.append(bytes)
        var frames: [SessionFrame] = []
        while true {
            let frame: SPDYFrame?
            do {
                frame = try parser.nextFrame()
            } catch {
                throw SessionTapError("\(error)")
            }
            guard let frame else { return frames }
            try handle(frame, from: direction, at: offset, into: &frames)
        }
    }

    private func handle(_ frame: SPDYFrame, from direction: SessionDirection, at offset: Int64, into frames: inout [SessionFrame]) throws(SessionTapError) {
        switch frame {
        case .synStream(let syn):
            // Kubernetes servers never open streams (no server push); theirs carry nothing here.
            guard direction == .fromClient else { return }
            try open(syn)
        case .synReply(let reply):
            if reply.fin { finish(reply.stream.rawValue, by: direction, at: offset, into: &frames) }
        case .headers(let headers):
            if headers.fin { finish(headers.stream.rawValue, by: direction, at: offset, into: &frames) }
        case .data(let data):
            let id = data.stream.rawValue
            guard let open = streams[id] else { return }  // not opened, or of an unknown type
            if data.payload.readableBytes > 0 {
                frames.append(SessionFrame(
                    offset: offset, stream: open.stream, port: open.port,
                    bytes: Array(data.payload.readableBytesView), direction: direction))
            }
            if data.fin { finish(id, by: direction, at: offset, into: &frames) }
        case .rstStream(let reset):
            streams[reset.stream.rawValue] = nil
        case .settings, .ping, .goAway, .windowUpdate:
            return
        }
    }

    private func open(_ syn: SPDYFrame.SynStream) throws(SessionTapError) {
        let id = syn.stream.rawValue
        guard streams[id] == nil else { throw SessionTapError("SPDY stream \(id) opened twice") }
        let type = syn.headers["streamtype"] ?? ""
        var open: OpenStream
        if portForward {
            let port = syn.headers["port"].flatMap { UInt16($0) }
            switch type {
            case "data": open = OpenStream(stream: .portForwardData, port: port)
            case "error": open = OpenStream(stream: .portForwardError, port: port)
            default: return
            }
        } else {
            guard let stream = SessionStream(remoteCommandStreamType: type) else { return }
            open = OpenStream(stream: stream)
        }
        guard streams.count < Self.maximumOpenStreams else {
            throw SessionTapError("more than \(Self.maximumOpenStreams) SPDY streams open at once")
        }
        open.finishedByClient = syn.fin
        streams[id] = open
    }

    /// One side finished writing stream `id`.
    private func finish(_ id: UInt32, by direction: SessionDirection, at offset: Int64, into frames: inout [SessionFrame]) {
        guard var open = streams[id] else { return }
        let already = direction == .fromClient ? open.finishedByClient : open.finishedByCluster
        if direction == .fromClient { open.finishedByClient = true } else { open.finishedByCluster = true }
        if !already, !portForward, open.stream.usualWriter == direction {
            frames.append(SessionFrame(offset: offset, stream: .close, bytes: [open.stream.rawValue], direction: direction))
        }
        streams[id] = open.finishedByClient && open.finishedByCluster ? nil : open
    }
}
