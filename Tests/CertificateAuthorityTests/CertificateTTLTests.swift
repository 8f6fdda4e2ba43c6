import CertificateAuthority
import Testing

@Suite struct CertificateTTLTests {
    @Test(arguments: [
        ("8h", 28_800), ("30m", 1800), ("45s", 45), ("1h30m", 5400), ("1h30m15s", 5415), ("8760h", 31_536_000),
        ("90m", 5400), ("0h1s", 1),
    ] as [(String, Int64)])
    func parses(text: String, seconds: Int64) throws {
        #expect(try CertificateTTL(parsing: text).seconds == seconds)
    }

    @Test(arguments: ["", "h", "8", "8x", "8H", "-8h", "+8h", "1.5h", "8h8h", "30m1h", "8 h", " 8h", "8h ", "1d",
                      "99999999999999999999h", String(repeating: "1", count: 40) + "h", "900000h"])
    func rejects(text: String) {
        #expect(throws: CertificateAuthorityError.invalidTTL(text)) { try CertificateTTL(parsing: text) }
    }

    @Test func rejectsZero() {
        for text in ["0h", "0s", "0h0m0s"] {
            #expect(throws: CertificateAuthorityError.nonPositiveTTL) { try CertificateTTL(parsing: text) }
        }
    }

    @Test func describesLikeGo() {
        #expect(CertificateTTL.hours(8).description == "8h")
        #expect(CertificateTTL(seconds: 5415).description == "1h30m15s")
        #expect(CertificateTTL(seconds: 60).description == "1m")
    }

    @Test func descriptionRoundTrips() throws {
        for seconds in [1, 59, 60, 61, 3599, 3600, 3601, 86_400, 90_061] as [Int64] {
            let ttl = CertificateTTL(seconds: seconds)
            #expect(try CertificateTTL(parsing: ttl.description) == ttl)
        }
    }

    @Test func randomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789hms -+.dH\u{0}é".unicodeScalars)
        for _ in 0..<2000 {
            var text = ""
            for _ in 0..<Int.random(in: 0...12, using: &generator) {
                text.unicodeScalars.append(alphabet.randomElement(using: &generator)!)
            }
            if let ttl = try? CertificateTTL(parsing: text) {
                #expect(ttl.seconds > 0)
            }
        }
    }
}
