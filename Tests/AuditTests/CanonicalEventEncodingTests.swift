import Foundation
import Testing

@testable import Audit

@Suite struct CanonicalEventEncodingTests {
    static let fixed = AuditEvent(
        auditID: UUID(uuidString: "5f0c8a3e-1d2b-4c5d-9e8f-0a1b2c3d4e5f")!,
        stage: .responseComplete, level: .request, verb: "create",
        requestURI: "/api/v1/namespaces/default/secrets?fieldManager=kubectl-create",
        user: UserInfo(username: "alice", uid: "u-1", groups: ["dev", "system:authenticated"], extra: ["scopes": ["b", "a"], "acr": ["1"]]),
        impersonatedUser: UserInfo(username: "bob"),
        sourceIPs: ["10.0.0.1", "::1"], userAgent: "kubectl/v1.32.4",
        objectRef: ObjectReference(apiVersion: "v1", resource: "secrets", namespace: "default", name: "s1"),
        responseStatus: ResponseStatus(code: 201),
        requestReceivedTimestamp: Date(microsecondsSince1970: 1_790_000_000_123_456),
        stageTimestamp: Date(microsecondsSince1970: 1_790_000_000_223_456),
        annotations: ["z": "1", "a": "2"], cluster: "prod", authenticationMethod: .x509, credentialID: "0a1b",
        decision: .allow, decisionRule: "role:dev", latencyMicroseconds: 100_000, bytesIn: 42, bytesOut: 512,
        sessionID: nil, connectionID: "c-9", kubectlSession: "s-1", kubectlCommand: "kubectl create",
        requestBody: Payload(contentType: "application/json", bytes: Array(#"{"kind":"Secret"}"#.utf8)))

    @Test func roundTripsEveryField() throws {
        let bytes = CanonicalEventEncoding.encode(Self.fixed)
        let decoded = try CanonicalEventEncoding.decode(bytes)
        var expected = Self.fixed
        expected.requestBody = nil
        #expect(decoded.event == expected)
        #expect(decoded.requestBody == PayloadDigest(Self.fixed.requestBody!))
        #expect(decoded.responseBody == nil)
    }

    @Test func mapsEncodeInKeyOrderWhateverTheirInsertionOrder() {
        var a = Self.fixed
        var b = Self.fixed
        a.annotations = ["x": "1", "b": "2", "m": "3"]
        b.annotations = ["m": "3", "x": "1", "b": "2"]
        #expect(CanonicalEventEncoding.encode(a) == CanonicalEventEncoding.encode(b))
    }

    /// The encoding is the input of every stored hash: it must never drift. If this fails, the
    /// change broke every existing trail; add a new version instead.
    @Test func version1IsStable() {
        let bytes = CanonicalEventEncoding.encode(Self.fixed)
        let digest = SHA256Hex.of(bytes)
        // The start, spelled out from docs/canonical-encoding.md: version, audit id, kind, stage, level, verb.
        var prefix: [UInt8] = [1, 0x5f, 0x0c, 0x8a, 0x3e, 0x1d, 0x2b, 0x4c, 0x5d, 0x9e, 0x8f, 0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f]
        for field in ["request", "ResponseComplete", "Request", "create"] {
            prefix += [0, 0, 0, UInt8(field.utf8.count)] + Array(field.utf8)
        }
        #expect(Array(bytes.prefix(prefix.count)) == prefix)
        #expect(bytes.count == 549)
        #expect(digest == "40b42e9ecf2f1328c523c3c44d4be165ab8aaccb5d94d14cd30ec6a70cbd9fb1")
    }

    @Test func everyFieldChangesTheBytes() {
        let base = CanonicalEventEncoding.encode(Self.fixed)
        var variants: [AuditEvent] = []
        var e = Self.fixed; e.verb = "update"; variants.append(e)
        e = Self.fixed; e.user.groups = ["dev"]; variants.append(e)
        e = Self.fixed; e.user.extra["acr"] = ["2"]; variants.append(e)
        e = Self.fixed; e.impersonatedUser = nil; variants.append(e)
        e = Self.fixed; e.objectRef?.name = "s2"; variants.append(e)
        e = Self.fixed; e.responseStatus = ResponseStatus(code: 403); variants.append(e)
        e = Self.fixed; e.stageTimestamp = Date(microsecondsSince1970: 1_790_000_000_223_457); variants.append(e)
        e = Self.fixed; e.decision = .deny; variants.append(e)
        e = Self.fixed; e.requestBody?.bytes.append(0x20); variants.append(e)
        e = Self.fixed; e.bytesOut += 1; variants.append(e)
        for variant in variants {
            #expect(CanonicalEventEncoding.encode(variant) != base)
        }
    }

    @Test func refusesTruncatedOrPaddedBytes() {
        let bytes = CanonicalEventEncoding.encode(Self.fixed)
        for cut in [0, 1, 17, bytes.count / 2, bytes.count - 1] {
            #expect(throws: CanonicalDecodingError.self) { try CanonicalEventEncoding.decode(Array(bytes[..<cut])) }
        }
        #expect(throws: CanonicalDecodingError.self) { try CanonicalEventEncoding.decode(bytes + [0]) }
        var badVersion = bytes
        badVersion[0] = 9
        #expect(throws: CanonicalDecodingError.self) { try CanonicalEventEncoding.decode(badVersion) }
    }

    @Test func randomBytesNeverCrashTheDecoder() throws {
        var rng = SystemRandomNumberGenerator()
        let valid = CanonicalEventEncoding.encode(Self.fixed)
        for _ in 0..<2000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            _ = try? CanonicalEventEncoding.decode(bytes)
        }
        #expect(try CanonicalEventEncoding.decode(valid).event.verb == "create")
    }
}

enum SHA256Hex {
    static func of(_ bytes: [UInt8]) -> String {
        HashChain.hash(prev: [], record: bytes).map { String(format: "%02x", $0) }.joined()
    }
}
