import Foundation
import Testing

@testable import ProxyConfiguration

@Suite struct HostileInputTests {
    static let exampleText: String = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/kubetrail-proxy.yaml").path
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }()

    @Test func yamlSyntaxErrorsNameTheLine() {
        #expect(refusal("tls: [unclosed") == "proxy.yaml: invalid YAML: line 2, column 1: did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 6)")
        #expect(refusal("tls:\n\t- x").hasPrefix("proxy.yaml: invalid YAML: line 2, column 1: "))
        #expect(refusal(minimalYAML + "\nlisten: 127.0.0.1:1\nlisten: 127.0.0.1:2").hasPrefix(#"proxy.yaml: invalid YAML: duplicate key "listen""#))
    }

    /// Every prefix of the example either loads or is refused with a message naming the file; nothing crashes.
    @Test func everyTruncationIsRefusedCleanlyOrAccepted() {
        let bytes = Array(Self.exampleText.utf8)
        #expect(bytes.count > 1000)
        var accepted = 0
        for end in stride(from: 0, to: bytes.count, by: 1) {
            guard let text = String(validating: bytes[..<end], as: UTF8.self) else { continue }
            let message = refusal(text)
            if message == "accepted" { accepted += 1 } else { #expect(message.hasPrefix("proxy.yaml: "), "\(end)") }
        }
        // Only prefixes that end after the last required section can load.
        #expect(accepted > 0 && accepted < bytes.count / 2)
    }

    @Test func randomBytesAreRefused() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let count = Int.random(in: 0..<400, using: &generator)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(refusal(text).hasPrefix("proxy.yaml: "))
        }
    }

    @Test func auditRuleTyposAreErrors() {
        let withRule = { (rule: String) in variant("spool_dir: spool", "spool_dir: spool\n  rules:\n    - " + rule) }
        #expect(refusal(withRule("{level: None, verbs: [wacth]}")).hasPrefix(#"proxy.yaml: audit.rules[0].verbs[0]: unknown verb "wacth""#))
        #expect(refusal(withRule("{level: None, clusters: [prdo]}")) == #"proxy.yaml: audit.rules[0].clusters[0]: unknown cluster "prdo" (defined: dev; or "*")"#)
        #expect(refusal(withRule("{verbs: [get]}")) == "proxy.yaml: audit.rules[0].level: missing required key")
        #expect(refusal(withRule("{level: None, resources: [{group: \"\", resorces: [pods]}]}")).hasPrefix(#"proxy.yaml: audit.rules[0].resources[0].resorces: unknown key (did you mean "resources"?)"#))
        #expect(refusal(withRule("{level: None, omitStages: [Panic]}")).hasPrefix("proxy.yaml: audit.rules[0].omitStages: unknown key"))
    }
}
