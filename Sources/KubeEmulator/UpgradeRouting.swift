import KubeAPI
import NIOCore
import NIOHTTP1

/// Which HTTP/1.1 upgrades the emulator accepts (exec, attach, port-forward), wired per connection.
struct UpgradeRouting: Sendable {
    let api: EmulatedAPIServer

    func upgraders(certificateUser: UserIdentity?) -> [any HTTPServerProtocolUpgrader & Sendable] {
        []
    }
}
