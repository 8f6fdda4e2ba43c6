#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SwiftASN1
import X509

/// Turns a `--host` value into a subjectAltName entry: an IP address (v4 or v6) or a DNS name.
enum ServerHost {
    static func generalName(for host: String) throws(CertificateAuthorityError) -> GeneralName {
        if let bytes = Self.ipv4(host) ?? Self.ipv6(host) {
            return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes)))
        }
        guard Self.isDNSName(host) else { throw .invalidServerHost(host) }
        return .dnsName(host.lowercased())
    }

    /// Letters, digits and `-` in dot-separated labels of 1...63 bytes, at most 253 bytes; no wildcards.
    static func isDNSName(_ host: String) -> Bool {
        let bytes = Array(host.utf8)
        guard !bytes.isEmpty, bytes.count <= 253 else { return false }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            let b = Array(label.utf8)
            guard !b.isEmpty, b.count <= 63, b.first != UInt8(ascii: "-"), b.last != UInt8(ascii: "-") else { return false }
            return b.allSatisfy { c in
                (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                    || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-")
            }
        } && !(labels.last!.allSatisfy(\.isNumber))  // "1.2.3.999" is a broken IP, not a name
    }

    private static func ipv4(_ text: String) -> [UInt8]? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    private static func ipv6(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }
}
