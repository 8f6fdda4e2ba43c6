import NIOCore

/// Writes SPDY/3.1 frames, compressing header blocks with this side's zlib stream.
///
/// One serializer per direction per session: every SYN_STREAM, SYN_REPLY and HEADERS this
/// side sends must go through the same compressor, in the order they hit the wire.
public final class SPDYFrameSerializer {
    private let compressor: SPDYHeaderCompressor

    public init() throws(SPDYError) {
        self.compressor = try SPDYHeaderCompressor()
    }

    /// Appends `frame` to `buffer`.
    public func serialize(_ frame: SPDYFrame, into buffer: inout ByteBuffer) throws(SPDYError) {
        switch frame {
        case .data(let data):
            guard data.stream != .session else { throw SPDYError(.invalidFrame("DATA frame on stream 0")) }
            let length = data.payload.readableBytes
            guard length <= SPDYFrame.maximumPayloadLength else {
                throw SPDYError(.frameTooLarge(length: length, limit: SPDYFrame.maximumPayloadLength), stream: data.stream)
            }
            buffer.writeInteger(data.stream.rawValue)
            buffer.writeInteger(Self.flagsAndLength(data.fin ? SPDYFrame.flagFin : 0, length))
            buffer.writeImmutableBuffer(data.payload)
        case .synStream(let syn):
            var flags: UInt8 = syn.fin ? SPDYFrame.flagFin : 0
            if syn.unidirectional { flags |= SPDYFrame.flagUnidirectional }
            try writeWithHeaderBlock(.synStream, flags: flags, headers: syn.headers, into: &buffer) { buffer in
                buffer.writeInteger(syn.stream.rawValue)
                buffer.writeInteger(syn.associatedTo.rawValue)
                buffer.writeInteger(UInt8((syn.priority & 0x07) << 5))
                buffer.writeInteger(syn.slot)
            }
        case .synReply(let reply):
            try writeWithHeaderBlock(.synReply, flags: reply.fin ? SPDYFrame.flagFin : 0, headers: reply.headers, into: &buffer) {
                $0.writeInteger(reply.stream.rawValue)
            }
        case .headers(let headers):
            try writeWithHeaderBlock(.headers, flags: headers.fin ? SPDYFrame.flagFin : 0, headers: headers.headers, into: &buffer) {
                $0.writeInteger(headers.stream.rawValue)
            }
        case .rstStream(let rst):
            Self.writeControlHeader(.rstStream, flags: 0, length: 8, into: &buffer)
            buffer.writeInteger(rst.stream.rawValue)
            buffer.writeInteger(rst.status.rawValue)
        case .settings(let settings):
            let length = 4 + 8 * settings.entries.count
            guard length <= SPDYFrame.maximumPayloadLength else {
                throw SPDYError(.frameTooLarge(length: length, limit: SPDYFrame.maximumPayloadLength))
            }
            Self.writeControlHeader(.settings, flags: settings.clearPersisted ? SPDYFrame.flagClearSettings : 0, length: length, into: &buffer)
            buffer.writeInteger(UInt32(settings.entries.count))
            for entry in settings.entries {
                buffer.writeInteger(UInt32(entry.flags) << 24 | entry.id.rawValue)
                buffer.writeInteger(entry.value)
            }
        case .ping(let ping):
            Self.writeControlHeader(.ping, flags: 0, length: 4, into: &buffer)
            buffer.writeInteger(ping.id)
        case .goAway(let goAway):
            Self.writeControlHeader(.goAway, flags: 0, length: 8, into: &buffer)
            buffer.writeInteger(goAway.lastGoodStream.rawValue)
            buffer.writeInteger(goAway.status.rawValue)
        case .windowUpdate(let update):
            Self.writeControlHeader(.windowUpdate, flags: 0, length: 8, into: &buffer)
            buffer.writeInteger(update.stream.rawValue)
            buffer.writeInteger(update.delta & 0x7FFF_FFFF)
        }
    }

    /// Serializes `frame` into a new buffer.
    public func serialize(_ frame: SPDYFrame) throws(SPDYError) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        try serialize(frame, into: &buffer)
        return buffer
    }

    /// Writes a control frame whose payload is fixed fields then a compressed header block;
    /// the length is patched in once the block is compressed.
    private func writeWithHeaderBlock(
        _ type: SPDYFrame.ControlType,
        flags: UInt8,
        headers: SPDYHeaderBlock,
        into buffer: inout ByteBuffer,
        fixedFields: (inout ByteBuffer) -> Void
    ) throws(SPDYError) {
        let start = buffer.writerIndex
        Self.writeControlHeader(type, flags: flags, length: 0, into: &buffer)
        fixedFields(&buffer)
        try compressor.compress(headers, into: &buffer)
        let length = buffer.writerIndex - start - SPDYFrame.headerLength
        guard length <= SPDYFrame.maximumPayloadLength else {
            // The compressor already advanced; the session cannot continue consistently.
            buffer.moveWriterIndex(to: start)
            throw SPDYError(.frameTooLarge(length: length, limit: SPDYFrame.maximumPayloadLength))
        }
        buffer.setInteger(Self.flagsAndLength(flags, length), at: start + 4)
    }

    private static func writeControlHeader(_ type: SPDYFrame.ControlType, flags: UInt8, length: Int, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt16(0x8000) | SPDYFrame.version)
        buffer.writeInteger(type.rawValue)
        buffer.writeInteger(flagsAndLength(flags, length))
    }

    private static func flagsAndLength(_ flags: UInt8, _ length: Int) -> UInt32 {
        UInt32(flags) << 24 | UInt32(length)
    }
}
