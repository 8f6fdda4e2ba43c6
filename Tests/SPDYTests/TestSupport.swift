import NIOCore
@testable import SPDY

extension ByteBuffer {
    init(_ bytes: [UInt8]) {
        self = ByteBufferAllocator().buffer(capacity: bytes.count)
        self.writeBytes(bytes)
    }

    var bytes: [UInt8] { getBytes(at: readerIndex, length: readableBytes) ?? [] }
}

/// Parses everything in `bytes` with a fresh parser, handing it over in `chunks`-sized pieces.
func parseAll(_ bytes: [UInt8], splitAt splits: [Int] = [], limits: SPDYFrameParser.Limits = .init()) throws -> [SPDYFrame] {
    let parser = try SPDYFrameParser(limits: limits)
    var frames: [SPDYFrame] = []
    var start = 0
    for end in splits + [bytes.count] where end >= start {
        parser.append(ByteBuffer(Array(bytes[start..<end])))
        start = end
        while let frame = try parser.nextFrame() { frames.append(frame) }
    }
    return frames
}

/// A client and a server session wired back to back in memory.
final class SessionPair {
    let client: SPDYSession
    let server: SPDYSession
    var clientEvents: [SPDYSessionEvent] = []
    var serverEvents: [SPDYSessionEvent] = []

    init(client: SPDYSession.Configuration = .init(), server: SPDYSession.Configuration = .init()) throws {
        self.client = try SPDYSession(role: .client, configuration: client)
        self.server = try SPDYSession(role: .server, configuration: server)
    }

    /// Delivers what the client produced to the server, and any answer back, until quiet.
    func fromClient(_ output: SPDYSessionOutput) {
        clientEvents += output.events
        deliver(output.bytes, toServer: true)
    }

    /// Delivers what the server produced to the client, and any answer back, until quiet.
    func fromServer(_ output: SPDYSessionOutput) {
        serverEvents += output.events
        deliver(output.bytes, toServer: false)
    }

    private func deliver(_ bytes: ByteBuffer, toServer: Bool) {
        var pending = bytes
        var toServer = toServer
        while pending.readableBytes > 0 {
            let output = toServer ? server.receive(pending) : client.receive(pending)
            if toServer { serverEvents += output.events } else { clientEvents += output.events }
            pending = output.bytes
            toServer.toggle()
        }
    }

    func takeServerEvents() -> [SPDYSessionEvent] {
        defer { serverEvents = [] }
        return serverEvents
    }

    func takeClientEvents() -> [SPDYSessionEvent] {
        defer { clientEvents = [] }
        return clientEvents
    }
}
