import Crypto
import Foundation
import KubeAPI
import SwiftASN1
import X509

/// A CA, a server certificate for 127.0.0.1 and an admin client certificate, made when the
/// emulator starts without certificates of its own, and the kubeconfig that uses them.
public struct EmulatorCertificates: Sendable {
    public var caPEM: String
    public var caKeyPEM: String
    public var serverPEM: String
    public var serverKeyPEM: String
    public var adminPEM: String
    public var adminKeyPEM: String

    /// Loads the set from `directory`, or creates and writes it there when absent.
    public static func loadOrCreate(in directory: String, hosts: [String]) throws -> EmulatorCertificates {
        let manager = FileManager.default
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let names = ["ca.crt", "ca.key", "server.crt", "server.key", "admin.crt", "admin.key"]
        let paths = names.map { directory + "/" + $0 }
        if paths.allSatisfy({ manager.fileExists(atPath: $0) }) {
            let texts = try paths.map { try String(contentsOfFile: $0, encoding: .utf8) }
            return EmulatorCertificates(caPEM: texts[0], caKeyPEM: texts[1], serverPEM: texts[2], serverKeyPEM: texts[3],
                                        adminPEM: texts[4], adminKeyPEM: texts[5])
        }
        let created = try create(hosts: hosts)
        for (path, text) in zip(paths, [created.caPEM, created.caKeyPEM, created.serverPEM, created.serverKeyPEM,
                                        created.adminPEM, created.adminKeyPEM]) {
            guard manager.createFile(atPath: path, contents: Data(text.utf8),
                                     attributes: [.posixPermissions: path.hasSuffix(".key") ? 0o600 : 0o644])
            else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        }
        return created
    }

    /// A new CA and the certificates it signs.
    public static func create(hosts: [String], validity: TimeInterval = 365 * 24 * 3600) throws -> EmulatorCertificates {
        let now = Date()
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName("kube-emulator CA") }
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(caKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + validity, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(caKey))

        let serverKey = P256.Signing.PrivateKey()
        var alternativeNames: [GeneralName] = []
        for host in hosts {
            if let address = IPv4Bytes(host) {
                alternativeNames.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(address))))
            } else {
                alternativeNames.append(.dnsName(host))
            }
        }
        let server = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(serverKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + validity, issuer: caName,
            subject: try DistinguishedName { CommonName("kube-apiserver") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(alternativeNames)
            },
            issuerPrivateKey: .init(caKey))

        let adminKey = P256.Signing.PrivateKey()
        let admin = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(adminKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + validity, issuer: caName,
            subject: try DistinguishedName {
                OrganizationName("system:masters")
                CommonName("kube-emulator-admin")
            },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.clientAuth])
            },
            issuerPrivateKey: .init(caKey))

        return EmulatorCertificates(
            caPEM: try ca.serializeAsPEM().pemString, caKeyPEM: caKey.pemRepresentation,
            serverPEM: try server.serializeAsPEM().pemString, serverKeyPEM: serverKey.pemRepresentation,
            adminPEM: try admin.serializeAsPEM().pemString, adminKeyPEM: adminKey.pemRepresentation)
    }

    /// A kubeconfig that reaches `server` as the admin certificate's user.
    public func kubeconfig(server: String, clusterName: String = "kube-emulator") -> String {
        func data(_ pem: String) -> String { Base64.encode(Array(pem.utf8)) }
        return """
            apiVersion: v1
            kind: Config
            clusters:
            - name: \(clusterName)
              cluster:
                server: \(server)
                certificate-authority-data: \(data(caPEM))
            users:
            - name: \(clusterName)-admin
              user:
                client-certificate-data: \(data(adminPEM))
                client-key-data: \(data(adminKeyPEM))
            contexts:
            - name: \(clusterName)
              context:
                cluster: \(clusterName)
                user: \(clusterName)-admin
                namespace: default
            current-context: \(clusterName)

            """
    }

    static func IPv4Bytes(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".")
        guard parts.count == 4 else { return nil }
        let bytes = parts.compactMap { UInt8($0) }
        return bytes.count == 4 ? bytes : nil
    }
}
