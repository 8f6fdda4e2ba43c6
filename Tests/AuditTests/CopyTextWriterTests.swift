import Foundation
import NIOCore
import Testing

@testable import Audit

@Suite struct CopyTextWriterTests {
    func written(_ body: (inout CopyTextWriter) -> Void) -> String {
        var writer = CopyTextWriter()
        body(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test func timestampsMatchTheCalendar() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        for seconds: Int64 in [0, 951_782_400 /* 2000-02-29 */, 4_102_444_799 /* 2099-12-31T23:59:59 */, -86_400, 1_790_000_000] {
            let micros = seconds * 1_000_000 + 123_456
            let text = written { $0.timestamp(micros, last: true) }
            let expected = formatter.string(from: Date(timeIntervalSince1970: Double(seconds)))
                .replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: ".123456+00\n")
            #expect(text == expected)
        }
    }

    @Test func escapesWhatCOPYWouldMisread() {
        #expect(written { $0.field("a\tb\nc\\d\re", last: true) } == "a\\tb\\nc\\\\d\\re\n")
        #expect(written { $0.field(nil as String?); $0.field(Int64(-5), last: true) } == "\\N\t-5\n")
        #expect(written { $0.bytea([0x00, 0xff, 0x10], last: true) } == "\\\\x00ff10\n")
        #expect(written { $0.array(["a\"b", "c\\d", "e f"], last: true) } == #"{"a\\"b","c\\\\d","e f"}"# + "\n")
        #expect(written { $0.field(Int64.max); $0.field(Int64.min); $0.field(Int64(0), last: true) } == "9223372036854775807\t-9223372036854775808\t0\n")
        let id = UUID()
        #expect(written { $0.uuid(id, last: true) } == id.uuidString.lowercased() + "\n")
    }
}
