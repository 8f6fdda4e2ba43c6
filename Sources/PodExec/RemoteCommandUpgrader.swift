import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// The decision to serve an exec/attach upgrade: which streams, and how to get the target.
public struct RemoteCommandAcceptance: Sendable {
    public var options: RemoteCommandOptions
    /// Called once the connection is upgraded (e.g. launches a `PodProcess` on the channel's loop).
    public var makeTarget: @Sendable (Channel) -> EventLoopFuture<any RemoteCommandTarget>

    public init(
        options: RemoteCommandOptions,
        makeTarget: @escaping @Sendable (Channel) -> EventLoopFuture<any RemoteCommandTarget>
    ) {
        self.options = options
        self.makeTarget = makeTarget
    }
}

/// Builds the WebSocket upgrader for exec/attach endpoints.
public enum RemoteCommandUpgrader {
    /// A `NIOWebSocketServerUpgrader` that speaks the remote command protocols.
    ///
    /// The subprotocol is negotiated first: the first one the client offers in
    /// `Sec-WebSocket-Protocol` that is in `supportedProtocols` (so a request offering none of
    /// them is refused without calling `accept`). Then `accept` decides (route, authorization,
    /// query flags); nil refuses. A refused upgrade is not answered here: NIO passes the request
    /// on to the next HTTP handler (after firing an `errorCaught`), which should answer it —
    /// kubectl falls back to SPDY after a 4xx. An accepted one answers 101 with the chosen
    /// `Sec-WebSocket-Protocol` and installs a `RemoteCommandWebSocketHandler`.
    ///
    /// - Parameters:
    ///   - supportedProtocols: what to accept; kubectl 1.32 offers only `v5.channel.k8s.io`.
    ///   - maxFrameSize: the largest frame accepted from the client.
    ///   - accept: the caller's decision, given the negotiated protocol.
    public static func make(
        supportedProtocols: [RemoteCommandProtocol] = [.v5, .v4],
        maxFrameSize: Int = 1 << 20,
        accept: @escaping @Sendable (Channel, HTTPRequestHead, RemoteCommandProtocol) -> EventLoopFuture<RemoteCommandAcceptance?>
    ) -> NIOWebSocketServerUpgrader {
        NIOWebSocketServerUpgrader(
            maxFrameSize: maxFrameSize,
            automaticErrorHandling: true,
            shouldUpgrade: { channel, head in
                let offered = head.headers["Sec-WebSocket-Protocol"]
                guard let chosen = RemoteCommandProtocol.negotiate(offered: offered, supported: supportedProtocols) else {
                    return channel.eventLoop.makeSucceededFuture(nil)
                }
                return accept(channel, head, chosen).hop(to: channel.eventLoop).map { acceptance in
                    guard let acceptance else { return nil }
                    PendingUpgrades.store(PendingUpgrade(protocol: chosen, acceptance: acceptance), for: channel)
                    return HTTPHeaders([("Sec-WebSocket-Protocol", chosen.name)])
                }
            },
            upgradePipelineHandler: { channel, _ in
                guard let pending = PendingUpgrades.take(for: channel) else {
                    return channel.eventLoop.makeFailedFuture(RemoteCommandUpgradeError.noDecision)
                }
                let target = pending.acceptance.makeTarget(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        RemoteCommandWebSocketHandler(
                            protocol: pending.protocol,
                            options: pending.acceptance.options,
                            target: target
                        )
                    )
                }
            }
        )
    }
}

/// An upgrade went through without the decision `accept` made for it (should not happen).
public enum RemoteCommandUpgradeError: Error, Equatable {
    case noDecision
}

private struct PendingUpgrade {
    var `protocol`: RemoteCommandProtocol
    var acceptance: RemoteCommandAcceptance
}

/// Carries `accept`'s decision from `shouldUpgrade` to `upgradePipelineHandler`.
///
/// NIO's upgrader has no per-request context, but both callbacks run on the channel's event
/// loop thread, so a thread-local table keyed by channel needs no lock. An entry whose upgrade
/// never happens (connection closed first) is dropped when the channel closes.
private enum PendingUpgrades {
    /// Unchecked Sendable: each instance is reachable only from the thread that made it.
    private final class Table: @unchecked Sendable {
        var entries: [ObjectIdentifier: PendingUpgrade] = [:]
    }

    private static let table = ThreadSpecificVariable<Table>()

    private static var current: Table {
        if let table = Self.table.currentValue { return table }
        let table = Table()
        Self.table.currentValue = table
        return table
    }

    static func store(_ pending: PendingUpgrade, for channel: Channel) {
        channel.eventLoop.preconditionInEventLoop()
        let key = ObjectIdentifier(channel)
        Self.current.entries[key] = pending
        channel.closeFuture.whenComplete { _ in
            Self.current.entries[key] = nil
        }
    }

    static func take(for channel: Channel) -> PendingUpgrade? {
        channel.eventLoop.preconditionInEventLoop()
        return Self.current.entries.removeValue(forKey: ObjectIdentifier(channel))
    }
}
