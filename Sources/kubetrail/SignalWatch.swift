import Dispatch
import Foundation

/// Delivers the given process signals as an async sequence instead of their default action.
final class SignalWatch: @unchecked Sendable {
    // @unchecked: `sources` is set once in init and only kept alive, never touched again.
    let arrivals: AsyncStream<Int32>
    private let sources: [DispatchSourceSignal]

    init(_ signals: [Int32]) {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        self.arrivals = stream
        var sources: [DispatchSourceSignal] = []
        for signalNumber in signals {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber)
            source.setEventHandler { continuation.yield(signalNumber) }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    /// Returns when the first of the signals arrives.
    func wait() async {
        for await _ in arrivals { return }
    }
}
