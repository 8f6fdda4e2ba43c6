import Foundation
import KubeAPI
import Logging
import Proxy
import Testing

@Suite struct JSONLogHandlerTests {
    @Test func aLineIsOneJSONObjectWithTheFixedKeysFirst() throws {
        let line = JSONLogHandler.line(
            time: Date(timeIntervalSince1970: 1_800_000_000.25), level: .warning, label: "kubetrail.proxy",
            message: "cluster \"emu\" unreachable\nretrying", metadata: [
                "cluster": "emu", "attempt": .stringConvertible(3), "msg": "a key that clashes",
                "pools": .array(["a", "b"]), "tls": .dictionary(["version": "1.3"]),
            ])
        #expect(line.last == 0x0A)
        #expect(line.dropLast().contains(0x0A) == false, "a message's newline is escaped, never a second line")
        let object = try JSONParser.parse(line.dropLast())
        guard case .object(let fields) = object else { Issue.record("not an object"); return }
        #expect(fields.members.prefix(4).map(\.key) == ["time", "level", "logger", "msg"])
        #expect(object["time"] == "2027-01-15T08:00:00.250000Z")
        #expect(object["level"] == "warning")
        #expect(object["msg"] == "cluster \"emu\" unreachable\nretrying")
        #expect(object["meta.msg"] == "a key that clashes")
        #expect(object["attempt"] == "3")
        #expect(object["pools"] == ["a", "b"])
        #expect(object[path: ["tls", "version"]] == "1.3")
    }

    @Test func theHandlerMergesItsMetadataWithTheEvents() throws {
        let path = NSTemporaryDirectory() + "json-log-" + UUID().uuidString
        let descriptor = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
        #expect(descriptor >= 0)
        defer { close(descriptor); unlink(path) }
        var logger = Logger(label: "test") { JSONLogHandler(label: $0, level: .info, sink: JSONLogSink(fileDescriptor: descriptor)) }
        logger[metadataKey: "connection"] = "c1"
        logger.debug("not written: below the level")
        logger.info("request", metadata: ["code": "200", "connection": "c2"])
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
        let object = try JSONParser.parse(String(lines[0]))
        #expect(object["msg"] == "request")
        #expect(object["code"] == "200")
        #expect(object["connection"] == "c2", "the event's metadata wins over the logger's")
        #expect(object["logger"] == "test")
    }
}
