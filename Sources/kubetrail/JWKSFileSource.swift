import Foundation
import ProxyIdentity

/// A JWKS in a file (`oidc.jwks_file`), read at start and again whenever a token names a key id the
/// keys held do not have: replacing the file rotates the keys without a restart.
struct JWKSFileSource: JWKSSource {
    let path: String

    func fetchJWKS() async throws -> [UInt8] {
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw CommandFailure(description: "cannot read: \(error.localizedDescription)")
        }
    }
}
