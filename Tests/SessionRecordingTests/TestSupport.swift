import KubetrailTestSupport
import Foundation
import NIOCore
import SPDY
@testable import SessionRecording

/// One side's bytes at one moment of a session.
struct Chunk: Sendable {
    var direction: SessionDirection
    var offset: Int64
    var bytes: [UInt8]
}

/// A session captured by tools/capture-session-streams (see its header for the format).
struct CapturedSession {
    var comments: [String] = []
    var requestLine = ""
    var responseHeaders: [(String, String)] = []
    var chunks: [Chunk] = []

    init(named name: String) throws {
        guard let url = Bundle.module.url(forResource: name, withExtension: "session", subdirectory: "Fixtures") else {
            throw FixtureError.missing(name)
        }
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            if line.hasPrefix("# ") {
                comments.append(String(line.dropFirst(2)))
            } else if line.hasPrefix("request: ") {
                requestLine = String(line.dropFirst("request: ".count))
            } else if line.hasPrefix("response-header: ") {
                let header = line.dropFirst("response-header: ".count)
                guard let colon = header.firstIndex(of: ":") else { throw FixtureError.malformed(String(line)) }
                responseHeaders.append((String(header[..<colon]), String(header[header.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
            } else {
                let fields = line.split(separator: " ")
                guard fields.count == 3, let offset = Int64(fields[1]), let bytes = [UInt8](hex: fields[2]) else {
                    throw FixtureError.malformed(String(line))
                }
                let direction: SessionDirection
                switch fields[0] {
                case "c": direction = .fromClient
                case "s": direction = .fromCluster
                default: throw FixtureError.malformed(String(line))
                }
                chunks.append(Chunk(direction: direction, offset: offset, bytes: bytes))
            }
        }
    }

    var transport: SessionTransport? { SessionTransport.negotiated(responseHeaders: responseHeaders) }

    /// The chunks re-cut: each split into pieces of at most `size` bytes (1: byte at a time).
    func chunks(splitInto size: Int) -> [Chunk] {
        chunks.flatMap { chunk in
            stride(from: 0, to: chunk.bytes.count, by: size).map { start in
                Chunk(direction: chunk.direction, offset: chunk.offset, bytes: Array(chunk.bytes[start..<min(start + size, chunk.bytes.count)]))
            }
        }
    }

    /// The chunks re-cut at random places (each direction's bytes stay in order).
    func chunks(randomlySplitWith generator: inout SplitMix64) -> [Chunk] {
        chunks.flatMap { chunk -> [Chunk] in
            var pieces: [Chunk] = []
            var start = 0
            while start < chunk.bytes.count {
                let end = min(chunk.bytes.count, start + Int.random(in: 1...17, using: &generator))
                pieces.append(Chunk(direction: chunk.direction, offset: chunk.offset, bytes: Array(chunk.bytes[start..<end])))
                start = end
            }
            return pieces
        }
    }
}

enum FixtureError: Error {
    case missing(String)
    case malformed(String)
}

extension [UInt8] {
    init?(hex: some StringProtocol) {
        guard hex.utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self = bytes
    }
}

/// Feeds chunks through a tap; every frame, in order.
func tapAll(_ chunks: [Chunk], transport: SessionTransport, recordStdin: Bool = true) -> (frames: [SessionFrame], tap: SessionTap) {
    var tap = SessionTap(transport: transport, recordStdin: recordStdin)
    var frames: [SessionFrame] = []
    for chunk in chunks {
        frames += chunk.direction == .fromClient
            ? tap.fromClient(chunk.bytes, at: chunk.offset)
            : tap.fromCluster(chunk.bytes, at: chunk.offset)
    }
    return (frames, tap)
}

extension [SessionFrame] {
    /// The bytes of one stream (and port, and direction if given), concatenated.
    func bytes(of stream: SessionStream, port: UInt16? = nil, from direction: SessionDirection? = nil) -> [UInt8] {
        filter { $0.stream == stream && (port == nil || $0.port == port) && (direction == nil || $0.direction == direction) }
            .flatMap(\.bytes)
    }

    func text(of stream: SessionStream, port: UInt16? = nil, from direction: SessionDirection? = nil) -> String {
        String(decoding: bytes(of: stream, port: port, from: direction), as: UTF8.self)
    }

    /// Adjacent frames of the same stream, port and direction joined: the same content however
    /// the bytes were split on the way.
    var coalesced: [SessionFrame] {
        var out: [SessionFrame] = []
        for frame in self {
            if let last = out.last, last.stream == frame.stream, last.port == frame.port, last.direction == frame.direction,
                [.stdin, .stdout, .stderr, .portForwardData].contains(frame.stream)
            {
                out[out.count - 1].bytes += frame.bytes
            } else {
                out.append(frame)
            }
        }
        return out
    }
}

// MARK: - Building wire bytes

/// One WebSocket frame as RFC 6455 lays it out; masked when `mask` is given.
func webSocketFrame(opcode: UInt8, _ payload: [UInt8], fin: Bool = true, mask: UInt32? = nil, lengthForm: Int? = nil) -> [UInt8] {
    var out: [UInt8] = [(fin ? 0x80 : 0) | opcode]
    let maskBit: UInt8 = mask == nil ? 0 : 0x80
    let form = lengthForm ?? (payload.count < 126 ? 7 : payload.count <= 0xFFFF ? 16 : 64)
    switch form {
    case 7:
        out.append(maskBit | UInt8(payload.count))
    case 16:
        out.append(maskBit | 126)
        out += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
    default:
        out.append(maskBit | 127)
        out += (0..<8).reversed().map { UInt8(truncatingIfNeeded: UInt64(payload.count) >> (8 * UInt64($0))) }
    }
    guard let mask else { return out + payload }
    let key: [UInt8] = [UInt8(mask >> 24), UInt8(truncatingIfNeeded: mask >> 16), UInt8(truncatingIfNeeded: mask >> 8), UInt8(truncatingIfNeeded: mask)]
    out += key
    out += payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
    return out
}

/// One direction of a SPDY session: frames serialized with this direction's header compressor.
final class SPDYWriter {
    let serializer: SPDYFrameSerializer
    init() throws { serializer = try SPDYFrameSerializer() }

    func bytes(_ frames: [SPDYFrame]) throws -> [UInt8] {
        var out: [UInt8] = []
        for frame in frames {
            let buffer = try serializer.serialize(frame)
            out += buffer.readableBytesView
        }
        return out
    }

    static func syn(_ id: UInt32, _ headers: [(String, String)], fin: Bool = false) -> SPDYFrame {
        .synStream(.init(stream: SPDYStreamID(id), fin: fin, headers: SPDYHeaderBlock(headers)))
    }

    static func data(_ id: UInt32, _ text: String, fin: Bool = false) -> SPDYFrame {
        .data(.init(stream: SPDYStreamID(id), payload: ByteBuffer(string: text), fin: fin))
    }
}
