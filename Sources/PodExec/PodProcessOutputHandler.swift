import NIOCore

/// Hands what a process writes (one of its output descriptors) to its `PodProcess`.
///
/// The end of the stream is the channel going inactive: a pipe's EOF, or for a pty master the
/// EIO Linux returns once every slave descriptor is closed (NIO reports it as an error and
/// closes the channel, which is exactly the end of output).
final class PodProcessOutputHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let stream: RemoteCommandOutputStream
    private let process: PodProcess

    init(stream: RemoteCommandOutputStream, process: PodProcess) {
        self.stream = stream
        self.process = process
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.process.outputReceived(Self.unwrapInboundIn(data), from: self.stream)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A read error (EIO on a hung-up pty) ends the stream: NIO closes the channel next.
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.process.outputEnded(self.stream)
        context.fireChannelInactive()
    }
}

/// Sits on the write-only stdin pipe: a write error (EPIPE once the process is gone) only
/// fails that write's future, which the session sees.
final class PodProcessStdinHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    func errorCaught(context: ChannelHandlerContext, error: Error) {}
}
