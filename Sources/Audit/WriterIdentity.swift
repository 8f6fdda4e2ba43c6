import Crypto
import Foundation

/// A writer's failure to load or create its identity.
public struct WriterIdentityError: Error, CustomStringConvertible {
    public var description: String
}

/// One proxy replica as a writer of the trail: its id and its Ed25519 signing key.
///
/// Created on first use in the state directory (`writer.key`, mode 0600, and `writer.id`).
/// The id is random, so a replica whose state directory is wiped becomes a new writer with a
/// new chain rather than a fork of its old one.
public struct WriterIdentity: Sendable {
    public let writerID: String
    public let signingKey: Curve25519.Signing.PrivateKey

    public var publicKey: Curve25519.Signing.PublicKey { signingKey.publicKey }

    public init(writerID: String, signingKey: Curve25519.Signing.PrivateKey) {
        self.writerID = writerID
        self.signingKey = signingKey
    }

    /// Loads the identity from `directory`, creating it (and the directory, mode 0700) if absent.
    public static func loadOrCreate(in directory: String) throws -> WriterIdentity {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let keyPath = directory + "/writer.key"
        let idPath = directory + "/writer.id"
        if fm.fileExists(atPath: keyPath) {
            let attributes = try fm.attributesOfItem(atPath: keyPath)
            if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
                throw WriterIdentityError(description: "\(keyPath) is readable by others (mode \(String(mode, radix: 8))); chmod 600 it")
            }
            let pem = try String(contentsOfFile: keyPath, encoding: .utf8)
            let key: Curve25519.Signing.PrivateKey
            do {
                key = try Curve25519.Signing.PrivateKey(rawRepresentation: try PEMBlock.decode(pem, label: "KUBETRAIL WRITER PRIVATE KEY"))
            } catch {
                throw WriterIdentityError(description: "\(keyPath): not a Kubetrail writer key (\(error))")
            }
            guard let id = try? String(contentsOfFile: idPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !id.isEmpty else {
                throw WriterIdentityError(description: "\(idPath) is missing or empty while \(keyPath) exists")
            }
            return WriterIdentity(writerID: id, signingKey: key)
        }
        let key = Curve25519.Signing.PrivateKey()
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "writer"
        let suffix = UUID().uuidString.lowercased().prefix(8)
        let id = "\(host)-\(suffix)"
        try writeExclusively(PEMBlock.encode(key.rawRepresentation, label: "KUBETRAIL WRITER PRIVATE KEY"), to: keyPath, mode: 0o600)
        try writeExclusively(id + "\n", to: idPath, mode: 0o644)
        return WriterIdentity(writerID: id, signingKey: key)
    }

    /// The public key as PEM, for auditors (`kubetrail verify --public-key`).
    public var publicKeyPEM: String {
        PEMBlock.encode(publicKey.rawRepresentation, label: "KUBETRAIL WRITER PUBLIC KEY", header: "Writer: \(writerID)")
    }

    private static func writeExclusively(_ text: String, to path: String, mode: mode_t) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard fd >= 0 else { throw WriterIdentityError(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count, fsync(fd) == 0 else {
            throw WriterIdentityError(description: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// PEM-style armour for raw key bytes, with optional `Name: value` header lines.
public enum PEMBlock {
    public static func encode(_ bytes: some DataProtocol, label: String, header: String? = nil) -> String {
        let b64 = Data(bytes).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        var text = "-----BEGIN \(label)-----\n"
        if let header { text += header + "\n\n" }
        return text + b64 + "\n-----END \(label)-----\n"
    }

    /// Every block with `label` in `text`, each as its header lines and its bytes.
    public static func decodeAll(_ text: String, label: String) throws -> [(headers: [String: String], bytes: Data)] {
        var blocks: [(headers: [String: String], bytes: Data)] = []
        var lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }[...]
        while let start = lines.firstIndex(of: "-----BEGIN \(label)-----") {
            lines = lines[(start + 1)...]
            guard let end = lines.firstIndex(of: "-----END \(label)-----") else {
                throw WriterIdentityError(description: "unterminated \(label) block")
            }
            var headers: [String: String] = [:]
            var body = ""
            for line in lines[..<end] {
                if let colon = line.firstIndex(of: ":") {
                    headers[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                } else {
                    body += line
                }
            }
            guard let data = Data(base64Encoded: body) else { throw WriterIdentityError(description: "bad base64 in \(label) block") }
            blocks.append((headers, data))
            lines = lines[(end + 1)...]
        }
        return blocks
    }

    public static func decode(_ text: String, label: String) throws -> Data {
        guard let first = try decodeAll(text, label: label).first else {
            throw WriterIdentityError(description: "no \(label) block")
        }
        return first.bytes
    }
}
