import Foundation
import KubeAPI
import KubetrailTestSupport
import Testing

/// Audit levels and omitted stages as configured, through real kubectl, checked in the stored trail.
@Suite(.serialized) struct AuditLevelEndToEndTests {
    static let rules = """
        default_level: Metadata
        rules:
          - level: None
            resources: [{group: "", resources: [services]}]
          - level: RequestResponse
            resources: [{group: "", resources: [configmaps, secrets]}]
          - level: Metadata
            verbs: [list]
            resources: [{group: "", resources: [serviceaccounts]}]
            omit_stages: [RequestReceived]
          - level: Metadata
            verbs: [watch]
            omit_stages: [ResponseStarted]
        """

    /// A stored body as text: JSON as printed, anything else (protobuf) decoded from its base64.
    static func text(_ body: JSONValue?) -> String {
        guard let body else { return "" }
        if let base64 = body["base64"]?.stringValue, let bytes = Base64.decode(base64) { return String(decoding: bytes, as: UTF8.self) }
        return JSONSerializer.string(body)
    }

    @Test func requestResponseKeepsBodiesAndSecretsStayRedacted() async throws {
        let rig = try await ProxyRig.start(audit: Self.rules)
        defer { rig.stopNow() }
        let colour = "ultramarine-" + UUID().uuidString.prefix(8)
        #expect(try await rig.kubectl("olga", ["create", "configmap", "palette", "--from-literal=colour=\(colour)"]).status == 0)
        let shown = try await rig.kubectl("olga", ["get", "configmap", "palette", "-o", "json"])
        #expect(shown.stdout.contains(colour))

        // Secrets at the highest level, every way a value can travel: create, apply (with its
        // last-applied annotation), get, list, watch.
        let password = "hunter2-" + UUID().uuidString
        #expect(try await rig.kubectl("olga", ["create", "secret", "generic", "db", "--from-literal=password=\(password)"]).status == 0)
        let applied = try await rig.kubectl("olga", ["apply", "-f", "-"], stdin: """
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "applied"}, "stringData": {"token": "\(password)"}}
            """)
        #expect(applied.status == 0, "\(applied)")
        #expect(try await rig.kubectl("olga", ["get", "secret", "db", "-o", "yaml"]).stdout.contains(Base64.encode(Array(password.utf8))))
        #expect(try await rig.kubectl("olga", ["get", "secrets", "-o", "json"]).status == 0)

        let events = try await rig.events(until: { events in
            events.contains { $0["name"] == "palette" && $0["verb"] == "get" && $0["stage"] == "ResponseComplete" }
                && events.contains { $0["resource"] == "secrets" && $0["verb"] == "list" && $0["stage"] == "ResponseComplete" }
        })
        let withBodies = try await rig.events(atLeast: events.count, bodies: true)
        let create = try #require(withBodies.first { $0["verb"] == "create" && $0["name"] == "palette" && $0["stage"] == "ResponseComplete" })
        #expect(create["level"] == "RequestResponse")
        #expect(Self.text(create["requestBody"]).contains(colour), "the request body is kept: \(create)")
        #expect(Self.text(create["responseBody"]).contains(colour), "the response body is kept: \(create)")
        let received = try #require(withBodies.first { $0["verb"] == "create" && $0["name"] == "palette" && $0["stage"] == "RequestReceived" })
        #expect(Self.text(received["requestBody"]).contains(colour))
        let get = try #require(withBodies.first { $0["verb"] == "get" && $0["name"] == "palette" && $0["stage"] == "ResponseComplete" })
        #expect(Self.text(get["responseBody"]).contains(colour))

        let secretEvents = withBodies.filter { $0["resource"] == "secrets" }
        #expect(secretEvents.count >= 8, "\(secretEvents.count) secret events")
        let encoded = Base64.encode(Array(password.utf8))
        for event in secretEvents {
            let text = JSONSerializer.string(event) + Self.text(event["requestBody"]) + Self.text(event["responseBody"])
            #expect(!text.contains(password) && !text.contains(encoded), "a secret's value is in the trail: \(event)")
        }
        let dump = try await ProxyRig.run("pg_dump", ["--data-only", rig.databaseURL])
        #expect(!dump.stdout.contains(password) && !dump.stdout.contains(encoded))
    }

    @Test func levelNoneAndOmittedStagesWriteNothingForThem() async throws {
        let rig = try await ProxyRig.start(audit: Self.rules)
        defer { rig.stopNow() }
        #expect(try await rig.kubectl("alice", ["create", "service", "clusterip", "quiet", "--tcp=80:80"]).status == 0)
        #expect(try await rig.kubectl("alice", ["get", "services"]).stdout.contains("quiet"))
        #expect(try await rig.kubectl("alice", ["get", "serviceaccounts"]).status == 0)
        #expect(try await rig.kubectl("alice", ["get", "pods"]).status == 0)
        let watcher = try rig.startKubectl("alice", ["get", "pods", "--watch-only"])
        try await Task.sleep(for: .seconds(2))
        watcher.signal(SIGTERM)
        _ = await watcher.wait(timeout: .seconds(10))
        // A refusal is recorded whatever the level: bob has no role, services are at None.
        #expect(try await rig.kubectl("bob", ["get", "services"]).status != 0)

        let events = try await rig.events(until: { events in
            events.contains { $0["user"] == "bob" } && events.contains { $0["verb"] == "watch" && $0["stage"] == "ResponseComplete" }
        })
        #expect(events.contains { $0["user"] == "bob" && $0["decision"] == "deny" && $0["status"] == .int(403) })
        #expect(!events.contains { $0["resource"] == "services" && $0["user"] == "alice" }, "level None: no event for services")
        #expect(try rig.emulator.requestLog().contains { $0["path"] == "/api/v1/namespaces/default/services" },
                "the service requests did reach the cluster")
        let accounts = events.filter { $0["resource"] == "serviceaccounts" && $0["verb"] == "list" }
        #expect(accounts.compactMap { $0["stage"]?.stringValue } == ["ResponseComplete"], "RequestReceived omitted: \(accounts)")
        let watch = events.filter { $0["verb"] == "watch" && $0["resource"] == "pods" }
        #expect(Set(watch.compactMap { $0["stage"]?.stringValue }) == ["RequestReceived", "ResponseComplete"], "ResponseStarted omitted: \(watch)")
        // Everything else keeps every stage.
        let list = events.filter { $0["resource"] == "pods" && $0["verb"] == "list" }
        #expect(Set(list.compactMap { $0["stage"]?.stringValue }) == ["RequestReceived", "ResponseComplete"], "\(list)")
    }

    @Test func defaultLevelNoneRecordsOnlyRefusals() async throws {
        let rig = try await ProxyRig.start(audit: "default_level: None")
        defer { rig.stopNow() }
        #expect(try await rig.kubectl("alice", ["get", "pods"]).status == 0)
        #expect(try await rig.kubectl("alice", ["create", "configmap", "unrecorded", "--from-literal=a=b"]).status == 0)
        #expect(try await rig.kubectl("bob", ["get", "pods"]).status != 0)
        // The shipper ships in order: once bob's refusal is there, anything of alice's would be too.
        let events = try await rig.events(until: { $0.contains { $0["user"] == "bob" } })
        #expect(events.contains { $0["user"] == "bob" && $0["decision"] == "deny" })
        #expect(!events.contains { $0["user"] == "alice" }, "\(events.filter { $0["user"] == "alice" })")
    }
}
