import AsyncHTTPClient
import NIOCore
import Synchronization

/// A request's body as the exchange sees it: chunks arriving from the client, read once, at the
/// exchange's pace. While chunks wait unread the channel stops reading from the client
/// (backpressure), so a large upload passes through the proxy in constant memory.
///
/// The exchange either forwards it as it arrives (`upstream()`) or, where the trail needs what it
/// says before access (a create's name, a level that stores bodies), reads it whole up to a bound
/// (`collect(upTo:)`), as kube-apiserver itself does.
///
/// `@unchecked Sendable`: `chunks` is taken by the one task that serves the request; the byte
/// count is atomic because AsyncHTTPClient reads a forwarded body on a task of its own.
final class RequestBody: @unchecked Sendable {
    typealias Chunks = NIOThrowingAsyncSequenceProducer<
        ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, RequestBodyDemand>

    /// The length the client declared (`Content-Length`), if it did.
    let declaredLength: Int?
    private var chunks: Chunks?
    private let received = Atomic<Int64>(0)

    /// A body that is still arriving.
    init(declaredLength: Int?, chunks: Chunks) {
        self.declaredLength = declaredLength
        self.chunks = chunks
    }

    /// No body: the request ended with its head.
    init() {
        declaredLength = 0
        chunks = nil
    }

    /// Whether the request has no body: it ended with its head, or its body was empty.
    var isEmpty: Bool { chunks == nil && received.load(ordering: .relaxed) == 0 }

    /// The bytes handed on so far, to the exchange or upstream.
    var receivedBytes: Int64 { received.load(ordering: .relaxed) }

    /// Reads the whole body; throws `RequestBodyError.tooLarge` past `limit` bytes (declared or
    /// sent), without reading further.
    func collect(upTo limit: Int) async throws -> [UInt8] {
        if let declaredLength, declaredLength > limit { throw RequestBodyError.tooLarge(limit: limit) }
        guard let chunks = take() else { return [] }
        var bytes: [UInt8] = []
        if let declaredLength { bytes.reserveCapacity(declaredLength) }
        for try await chunk in chunks {
            guard bytes.count + chunk.readableBytes <= limit else { throw RequestBodyError.tooLarge(limit: limit) }
            bytes += chunk.readableBytesView
            received.add(Int64(chunk.readableBytes), ordering: .relaxed)
        }
        return bytes
    }

    /// The body for the upstream request, forwarded chunk by chunk as the cluster takes it; nil
    /// when there is none.
    func upstream() -> HTTPClientRequest.Body? {
        guard let chunks = take() else { return nil }
        let counted = CountedChunks(chunks: chunks, body: self)
        return .stream(counted, length: declaredLength.map { .known(Int64($0)) } ?? .unknown)
    }

    private func take() -> Chunks? {
        defer { chunks = nil }
        return chunks
    }

    fileprivate func count(_ bytes: Int) {
        received.add(Int64(bytes), ordering: .relaxed)
    }

    /// The chunks with each one counted as it goes upstream.
    struct CountedChunks: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let chunks: Chunks
        let body: RequestBody

        struct AsyncIterator: AsyncIteratorProtocol {
            var base: Chunks.AsyncIterator
            let body: RequestBody

            mutating func next() async throws -> ByteBuffer? {
                guard let chunk = try await base.next() else { return nil }
                body.count(chunk.readableBytes)
                return chunk
            }
        }

        func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(base: chunks.makeAsyncIterator(), body: body)
        }
    }
}

/// Why a request body could not be read.
enum RequestBodyError: Error, Equatable {
    /// Longer than the proxy reads whole (kube-apiserver's own limit).
    case tooLarge(limit: Int)
    /// The client closed its connection (or reset its stream) before the body ended.
    case clientClosed
}

/// Tells the channel when the exchange wants more of the body, or wants no more of it.
///
/// Called from the consuming task; hops to the channel's event loop.
struct RequestBodyDemand: NIOAsyncSequenceProducerDelegate {
    let eventLoop: EventLoop
    let intake: NIOLoopBound<RequestBodyIntake>
    /// Which request of the connection this body belongs to; a late call for an earlier one is ignored.
    let request: Int

    func produceMore() {
        let (intake, request) = (intake, request)
        eventLoop.execute { intake.value.bodyWanted(request: request) }
    }

    func didTerminate() {
        let (intake, request) = (intake, request)
        eventLoop.execute { intake.value.bodyAbandoned(request: request) }
    }
}
