import KubetrailTestSupport
import Foundation
import KubeAPI
import Testing

/// Raw HTTP against the emulator with curl (a real client): what kubectl never sends.
@Suite(.serialized) struct HTTPStatusTests {
    func curl(_ emulator: RunningEmulator, _ arguments: [String], certificate: Bool = true) async throws -> (status: Int, body: JSONValue?) {
        var base = ["-s", "-o", "-", "-w", "\n%{http_code}", "--cacert", emulator.directory + "/pki/ca.crt"]
        if certificate {
            base += ["--cert", emulator.directory + "/pki/admin.crt", "--key", emulator.directory + "/pki/admin.key"]
        }
        let result = await (try ChildProcess("curl", base + arguments)).wait(timeout: .seconds(20))
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.last ?? "") ?? -1
        let body = lines.dropLast().joined(separator: "\n")
        return (status, try? JSONParser.parse(body))
    }

    @Test func unauthenticatedCallersGet401Status() async throws {
        let emulator = try await RunningEmulator.start(["--token", "s3cret=alice:dev"])
        let anonymous = try await curl(emulator, [emulator.url + "/api/v1/namespaces"], certificate: false)
        #expect(anonymous.status == 401)
        #expect(anonymous.body?["kind"] == "Status")
        #expect(anonymous.body?["reason"] == "Unauthorized")
        let wrongToken = try await curl(emulator, ["-H", "Authorization: Bearer nope", emulator.url + "/api/v1/namespaces"], certificate: false)
        #expect(wrongToken.status == 401)
        let token = try await curl(emulator, ["-H", "Authorization: Bearer s3cret", emulator.url + "/api/v1/namespaces"], certificate: false)
        #expect(token.status == 200)
        #expect(token.body?["kind"] == "NamespaceList")
        let log = try emulator.requestLog()
        #expect(log.contains { $0["status"] == .int(401) })
        #expect(log.contains { $0[path: ["user", "user"]] == "alice" && $0["status"] == .int(200) })
    }

    @Test func malformedBodiesAndPathsGetStatusErrors() async throws {
        let emulator = try await RunningEmulator.start()
        let url = emulator.url + "/api/v1/namespaces/default/configmaps"
        let malformed = try await curl(emulator, ["-X", "POST", "-H", "Content-Type: application/json", "--data", "{\"metadata\":", url])
        #expect(malformed.status == 400)
        #expect(malformed.body?["reason"] == "BadRequest")
        let wrongType = try await curl(emulator, ["-X", "POST", "-H", "Content-Type: text/plain", "--data", "x", url])
        #expect(wrongType.status == 415)
        let big = emulator.directory + "/big.json"
        try Data(repeating: 0x20, count: 4 * 1024 * 1024).write(to: URL(fileURLWithPath: big))
        let tooLarge = try await curl(emulator, ["-X", "POST", "-H", "Content-Type: application/json", "--data-binary", "@" + big, url])
        #expect(tooLarge.status == 413)
        let unknownPath = try await curl(emulator, [emulator.url + "/api/v1/namespaces/default/widgets"])
        #expect(unknownPath.status == 404)
        #expect(unknownPath.body?["kind"] == "Status")
        let wrongMethod = try await curl(emulator, ["-X", "PUT", emulator.url + "/version"])
        #expect(wrongMethod.status == 405)
        let notUpgraded = try await curl(emulator, [emulator.url + "/api/v1/namespaces/default/pods/x/exec?command=ls"])
        #expect(notUpgraded.status == 404, "no such pod")
        // A watch from an early resourceVersion replays what changed since, then streams.
        let watch = await (try ChildProcess("curl", [
            "-s", "-m", "2", "--cacert", emulator.directory + "/pki/ca.crt", "--cert", emulator.directory + "/pki/admin.crt",
            "--key", emulator.directory + "/pki/admin.key", emulator.url + "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1",
        ])).wait(timeout: .seconds(10))
        let events = try watch.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        #expect(events.contains { $0["type"] == "ADDED" && $0[path: ["object", "metadata", "name"]] == "kube-root-ca.crt" })
    }

    @Test func largeResponsesAreGzippedForClientsThatAsk() async throws {
        let emulator = try await RunningEmulator.start()
        for index in 0..<300 {
            let value = String(repeating: "v", count: 500)
            _ = try await curl(emulator, ["-X", "POST", "-H", "Content-Type: application/json", "--data",
                                          #"{"metadata":{"name":"cm-\#(index)"},"data":{"k":"\#(value)"}}"#,
                                          emulator.url + "/api/v1/namespaces/default/configmaps"])
        }
        let headers = emulator.directory + "/headers.txt"
        let result = await (try ChildProcess("curl", [
            "-s", "--compressed", "-D", headers, "-o", emulator.directory + "/list.json", "--cacert", emulator.directory + "/pki/ca.crt",
            "--cert", emulator.directory + "/pki/admin.crt", "--key", emulator.directory + "/pki/admin.key",
            emulator.url + "/api/v1/namespaces/default/configmaps",
        ])).wait()
        #expect(result.status == 0)
        let headerText = try String(contentsOfFile: headers, encoding: .utf8).lowercased()
        #expect(headerText.contains("content-encoding: gzip"))
        let list = try JSONParser.parse(try Data(contentsOf: URL(fileURLWithPath: emulator.directory + "/list.json")).map { $0 })
        #expect(list["items"]?.arrayValue?.count == 301)
    }

    @Test func watchesSendBookmarksAndEndAtTheirTimeout() async throws {
        let emulator = try await RunningEmulator.start(["--bookmark-interval-seconds", "1"])
        let started = ContinuousClock.now
        let watch = await (try ChildProcess("curl", [
            "-s", "-m", "20", "--cacert", emulator.directory + "/pki/ca.crt", "--cert", emulator.directory + "/pki/admin.crt",
            "--key", emulator.directory + "/pki/admin.key",
            emulator.url + "/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&timeoutSeconds=3",
        ])).wait(timeout: .seconds(30))
        let elapsed = ContinuousClock.now - started
        #expect(watch.status == 0, "the server ended the watch, curl did not time out: \(watch)")
        #expect(elapsed < .seconds(15))
        let events = try watch.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        let bookmarks = events.filter { $0["type"] == "BOOKMARK" }
        #expect(bookmarks.count >= 1)
        #expect(bookmarks.allSatisfy { $0[path: ["object", "metadata", "resourceVersion"]]?.stringValue.flatMap { Int($0) } != nil })
        #expect(events.first?["type"] == "ADDED")
    }
}
