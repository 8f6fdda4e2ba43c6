import NIOCore

/// One open stream as the session tracks it: who opened it, which halves are closed,
/// flow-control windows, and data waiting for window.
struct SPDYStreamState {
    let id: SPDYStreamID
    /// Opened by this side (SYN_STREAM sent) rather than the peer.
    let isLocal: Bool
    /// SYN_REPLY sent (peer's stream) or received (ours).
    var replied = false
    /// This side's FIN is on the wire; nothing more may be sent.
    var finSent = false
    /// The owner asked for FIN; it goes out once the queue is empty.
    var finQueued = false
    /// The peer's FIN arrived; nothing more may be received.
    var finReceived = false
    /// Bytes the peer still lets us send (may go negative when SETTINGS shrinks it).
    var sendWindow: Int
    /// Bytes we still let the peer send.
    var receiveWindow: Int
    /// Received bytes not yet returned by WINDOW_UPDATE.
    var unacknowledged = 0
    /// Data accepted from the owner but not yet sent, oldest first.
    var queue = CircularBuffer<ByteBuffer>()
    var queuedBytes = 0

    init(id: SPDYStreamID, isLocal: Bool, sendWindow: Int, receiveWindow: Int) {
        self.id = id
        self.isLocal = isLocal
        self.sendWindow = sendWindow
        self.receiveWindow = receiveWindow
    }

    /// Both halves are finished.
    var isClosed: Bool { finSent && finReceived }

    /// Takes up to `limit` queued bytes (at least one byte when `limit` > 0).
    mutating func dequeue(upTo limit: Int) -> ByteBuffer? {
        guard limit > 0, var first = queue.popFirst() else { return nil }
        let count = min(limit, first.readableBytes)
        let piece = first.readSlice(length: count)!
        if first.readableBytes > 0 { queue.prepend(first) }
        queuedBytes -= count
        return piece
    }
}
