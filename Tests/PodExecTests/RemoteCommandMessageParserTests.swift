import NIOCore
import Testing

@testable import PodExec

@Suite struct RemoteCommandMessageParserTests {
    private func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }

    private func single(_ bytes: [UInt8], _ proto: RemoteCommandProtocol = .v5) throws -> RemoteCommandInbound? {
        var parser = RemoteCommandMessageParser(protocol: proto)
        return try parser.parseFrame(buffer(bytes), isContinuation: false, isFinal: true)
    }

    @Test func dataMessages() throws {
        #expect(try single([0, 0x68, 0x69]) == .data(.stdin, buffer([0x68, 0x69])))
        #expect(try single([4, 0x7B]) == .data(.resize, buffer([0x7B])))
        #expect(try single([2, 1]) == .data(.stderr, buffer([1])))
    }

    @Test func ignoredMessages() throws {
        #expect(try single([]) == nil)
        #expect(try single([0]) == nil)  // no bytes for stdin
        #expect(try single([5, 1, 2]) == nil)  // unknown channel
        #expect(try single([200]) == nil)
    }

    @Test func closeSignalV5() throws {
        #expect(try single([255, 0]) == .close(.stdin))
        #expect(try single([255, 4]) == .close(.resize))
        #expect(throws: RemoteCommandMessageError.malformedCloseSignal(length: 0)) { try single([255]) }
        #expect(throws: RemoteCommandMessageError.malformedCloseSignal(length: 2)) { try single([255, 0, 0]) }
        #expect(throws: RemoteCommandMessageError.closeOfUnknownChannel(9)) { try single([255, 9]) }
    }

    @Test func closeSignalIsAnUnknownChannelBeforeV5() throws {
        #expect(try single([255, 0], .v4) == nil)
        #expect(try single([255], .v4) == nil)
        #expect(try single([255, 0, 1, 2], .v1) == nil)
    }

    @Test func fragmentationRules() throws {
        var parser = RemoteCommandMessageParser(protocol: .v5)
        #expect(throws: RemoteCommandMessageError.continuationWithoutMessage) {
            try parser.parseFrame(buffer([1]), isContinuation: true, isFinal: true)
        }
        var second = RemoteCommandMessageParser(protocol: .v5)
        _ = try second.parseFrame(buffer([0, 1]), isContinuation: false, isFinal: false)
        #expect(second.isInsideMessage)
        #expect(throws: RemoteCommandMessageError.messageInterrupted) {
            try second.parseFrame(buffer([0, 1]), isContinuation: false, isFinal: true)
        }
    }

    /// Splits `message` into frames at the given cut points and collects what the parser emits.
    private func parseFragmented(_ message: [UInt8], cuts: [Int], _ proto: RemoteCommandProtocol = .v5) throws
        -> (data: [RemoteCommandStream: [UInt8]], closes: [RemoteCommandStream])
    {
        var parser = RemoteCommandMessageParser(protocol: proto)
        var data: [RemoteCommandStream: [UInt8]] = [:]
        var closes: [RemoteCommandStream] = []
        let bounds = [0] + cuts + [message.count]
        for index in 0..<(bounds.count - 1) {
            let piece = Array(message[bounds[index]..<bounds[index + 1]])
            let event = try parser.parseFrame(
                buffer(piece),
                isContinuation: index > 0,
                isFinal: index == bounds.count - 2
            )
            switch event {
            case .data(let stream, let bytes)?: data[stream, default: []] += Array(bytes.readableBytesView)
            case .close(let stream)?: closes.append(stream)
            case nil: break
            }
        }
        #expect(!parser.isInsideMessage)
        return (data, closes)
    }

    @Test func splittingAtEveryOffsetEqualsWhole() throws {
        let payload: [UInt8] = Array("the quick brown fox".utf8)
        for channel: UInt8 in [0, 1, 4, 7] {
            let message = [channel] + payload
            let whole = try parseFragmented(message, cuts: [])
            for cut in 0...message.count {
                #expect(try parseFragmented(message, cuts: [cut]).data == whole.data)
            }
            for first in 0...message.count {
                for second in first...message.count {
                    #expect(try parseFragmented(message, cuts: [first, second]).data == whole.data)
                }
            }
        }
        for cut in 0...2 {
            #expect(try parseFragmented([255, 0], cuts: [cut]).closes == [.stdin])
        }
    }

    @Test func randomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var parser = RemoteCommandMessageParser(protocol: [.v5, .v4, .v1].randomElement(using: &generator)!)
            for _ in 0..<8 {
                let count = Int.random(in: 0..<6, using: &generator)
                let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let event = try? parser.parseFrame(
                    ByteBuffer(bytes: bytes),
                    isContinuation: Bool.random(using: &generator),
                    isFinal: Bool.random(using: &generator)
                )
                if case .data(_, let data)? = event {
                    #expect(data.readableBytes > 0)
                }
            }
        }
    }

    @Test func outboundFraming() {
        let allocator = ByteBufferAllocator()
        let message = RemoteCommandMessage.data(ByteBuffer(string: "hi"), on: .stdout, allocator: allocator)
        #expect(Array(message.readableBytesView) == [1, 0x68, 0x69])
        #expect(Array(RemoteCommandMessage.data(bytes: [], on: .error, allocator: allocator).readableBytesView) == [3])
        #expect(Array(RemoteCommandMessage.close(.stdin, allocator: allocator).readableBytesView) == [255, 0])
    }
}
