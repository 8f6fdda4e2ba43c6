import KubetrailTestSupport
import Foundation
import KubeAPI
import Testing

/// Impersonation and RBAC: honoured only for callers the policy lets impersonate, refusals worded
/// as the real server words them.
@Suite(.serialized) struct ImpersonationTests {
    static let policy = """
        rules:
          - users: [kube-emulator-admin]
            verbs: ["*"]
            resources: ["*"]
          - users: [proxy]
            verbs: [impersonate]
            resources: [users, groups, userextras]
          - groups: [dev]
            verbs: [get, list, watch]
            resources: [pods, pods/log]
            namespaces: [default]
        """

    func start() async throws -> RunningEmulator {
        let directory = NSTemporaryDirectory() + "rbac-" + UUID().uuidString.prefix(8) + ".yaml"
        try Self.policy.write(toFile: directory, atomically: true, encoding: .utf8)
        return try await RunningEmulator.start(["--rbac", directory, "--token", "proxy-token=proxy", "--token", "dev-token=dana:dev",
                                                "--token", "outsider-token=olga"])
    }

    @Test func anImpersonatorActsAsTheUserItNames() async throws {
        let emulator = try await start()
        _ = try await emulator.kubectlOK(["run", "web", "--image=nginx"])
        let asAlice = try await emulator.kubectl(token: "proxy-token", ["--as", "alice", "--as-group", "dev", "get", "pods", "-o", "name"])
        #expect(asAlice.status == 0, "\(asAlice)")
        #expect(asAlice.stdout == "pod/web\n")
        // Without the dev group, alice has no rule.
        let plainAlice = try await emulator.kubectl(token: "proxy-token", ["--as", "alice", "get", "pods"])
        #expect(plainAlice.status != 0)
        #expect(plainAlice.stderr.contains(#"pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default""#))
        let log = try emulator.requestLog()
        let impersonated = log.filter { $0[path: ["impersonated", "user"]] == "alice" }
        #expect(!impersonated.isEmpty)
        #expect(impersonated.allSatisfy { $0[path: ["user", "user"]] == "proxy" })
        #expect(impersonated.contains { $0[path: ["impersonated", "groups"]]?.arrayValue?.contains("dev") == true })
    }

    @Test func aCallerWithoutTheRightCannotImpersonate() async throws {
        let emulator = try await start()
        // kubectl's discovery client cannot decode a refusal of /api and prints "Forbidden: unknown",
        // as it does against a real cluster; the request log has the wording the server sent.
        let result = try await emulator.kubectl(token: "outsider-token", ["--as", "kube-emulator-admin", "get", "pods"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("Error from server (Forbidden)"))
        let groupEscalation = try await emulator.kubectl(token: "dev-token", ["--as", "dana", "--as-group", "system:masters", "get", "pods"])
        #expect(groupEscalation.status != 0)
        #expect(groupEscalation.stderr.contains("Error from server (Forbidden)"))
        let log = try emulator.requestLog()
        #expect(log.contains { $0[path: ["user", "user"]] == "olga" && $0["status"] == .int(403) })
        #expect(log.contains { $0[path: ["user", "user"]] == "dana" && $0["status"] == .int(403) })
        #expect(log.allSatisfy { $0["status"] != .int(200) || $0["impersonated"] == .null })
        let status = try await HTTPStatusTests().curl(
            emulator, ["-H", "Authorization: Bearer outsider-token", "-H", "Impersonate-User: kube-emulator-admin", emulator.url + "/api/v1/pods"],
            certificate: false)
        #expect(status.status == 403)
        #expect(status.body?["message"] == #"users "kube-emulator-admin" is forbidden: User "olga" cannot impersonate resource "users" in API group "" at the cluster scope"#)
        let groupsOnly = try await HTTPStatusTests().curl(
            emulator, ["-H", "Authorization: Bearer proxy-token", "-H", "Impersonate-Group: system:masters", emulator.url + "/api/v1/pods"],
            certificate: false)
        #expect(groupsOnly.status == 400, "groups without a user are refused")
    }

    @Test func rbacScopesVerbsResourcesAndNamespaces() async throws {
        let emulator = try await start()
        _ = try await emulator.kubectlOK(["run", "web", "--image=nginx"])
        #expect(try await emulator.kubectl(token: "dev-token", ["get", "pods"]).status == 0)
        let delete = try await emulator.kubectl(token: "dev-token", ["delete", "pod", "web"])
        #expect(delete.stderr.contains(#"pods "web" is forbidden: User "dana" cannot delete resource "pods" in API group "" in the namespace "default""#))
        let otherNamespace = try await emulator.kubectl(token: "dev-token", ["get", "pods", "-n", "kube-system"])
        #expect(otherNamespace.stderr.contains("in the namespace \"kube-system\""))
        let secrets = try await emulator.kubectl(token: "dev-token", ["get", "secrets"])
        #expect(secrets.stderr.contains(#"secrets is forbidden: User "dana" cannot list resource "secrets""#))
        let outsider = try await emulator.kubectl(token: "outsider-token", ["get", "pods"])
        #expect(outsider.stderr.contains("Error from server (Forbidden)"))
        // Discovery stays open to every authenticated caller.
        #expect(try await emulator.kubectl(token: "outsider-token", ["version"]).status == 0)
        let wrong = try await emulator.kubectl(token: "wrong", ["get", "pods"])
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("Unauthorized") || wrong.stderr.contains("must be logged in"), "\(wrong)")
    }

    @Test func aBadPolicyFileIsRefusedAtStart() async throws {
        let path = NSTemporaryDirectory() + "bad-rbac-" + UUID().uuidString.prefix(8) + ".yaml"
        try "rules:\n  - users: [a]\n    verbs: [get]\n    resource: [pods]\n".write(toFile: path, atomically: true, encoding: .utf8)
        let process = try ChildProcess(Repository.product("kube-emulator"), ["--listen", "127.0.0.1:0", "--rbac", path])
        let result = await process.wait(timeout: .seconds(20))
        #expect(result.status != 0)
        #expect(result.stderr.contains("rules[0]: unknown key \"resource\""))
    }
}
