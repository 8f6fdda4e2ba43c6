import KubetrailTestSupport
import Foundation
import KubeAPI
import Testing

/// The real kubectl against the emulator: the everyday resource flows.
@Suite(.serialized) struct KubectlResourceTests {
    @Test func discoveryAndGetPrintTheUsualColumns() async throws {
        let emulator = try await RunningEmulator.start()
        let version = try await emulator.kubectlOK(["version", "-o", "json"])
        #expect(try JSONParser.parse(version)[path: ["serverVersion", "gitVersion"]] == "v1.36.0")
        let namespaces = try await emulator.kubectlOK(["get", "namespaces"])
        let lines = namespaces.split(separator: "\n")
        #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true) == ["NAME", "STATUS", "AGE"])
        #expect(Set(lines.dropFirst().compactMap { $0.split(separator: " ").first.map(String.init) })
                == ["default", "kube-node-lease", "kube-public", "kube-system"])
        let services = try await emulator.kubectlOK(["get", "svc"])
        #expect(services.contains("kubernetes"))
        #expect(services.contains("443/TCP"))
        let resources = try await emulator.kubectlOK(["api-resources", "--no-headers"])
        for expected in ["pods", "deployments", "configmaps", "secrets", "serviceaccounts", "events", "namespaces", "services"] {
            #expect(resources.contains(expected), "api-resources lacks \(expected)")
        }
    }

    @Test func runDescribeLabelAndDelete() async throws {
        let emulator = try await RunningEmulator.start()
        #expect(try await emulator.kubectlOK(["run", "web", "--image=nginx:1.27"]).contains("pod/web created"))
        _ = try await emulator.kubectlOK(["wait", "--for=condition=Ready", "pod/web", "--timeout=10s"])
        let pods = try await emulator.kubectlOK(["get", "pods"])
        #expect(pods.contains("web"))
        #expect(pods.contains("1/1"))
        #expect(pods.contains("Running"))
        let described = try await emulator.kubectlOK(["describe", "pod", "web"])
        #expect(described.contains("Image:          nginx:1.27"))
        #expect(described.contains("Status:           Running"))
        #expect(described.contains("Successfully assigned default/web to emulator-node"))
        _ = try await emulator.kubectlOK(["label", "pod", "web", "tier=frontend"])
        let selected = try await emulator.kubectlOK(["get", "pods", "-l", "tier=frontend", "-o", "name"])
        #expect(selected == "pod/web\n")
        #expect(try await emulator.kubectlOK(["get", "pods", "-l", "tier=backend", "-o", "name"]).isEmpty)
        let json = try JSONParser.parse(try await emulator.kubectlOK(["get", "pod", "web", "-o", "json"]))
        #expect(json[path: ["metadata", "labels", "tier"]] == "frontend")
        #expect(json[path: ["status", "phase"]] == "Running")
        #expect(try await emulator.kubectlOK(["delete", "pod", "web"]).contains("pod \"web\" deleted"))
        let gone = try await emulator.kubectl(["get", "pod", "web"])
        #expect(gone.status == 1)
        #expect(gone.stderr.contains("Error from server (NotFound): pods \"web\" not found"))
    }

    static let deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: api
          labels: {app: api}
        spec:
          replicas: 2
          selector:
            matchLabels: {app: api}
          template:
            metadata:
              labels: {app: api}
            spec:
              containers:
              - name: api
                image: nginx:1.27
                ports:
                - containerPort: 80
                env:
                - {name: MODE, value: "a"}
        """

    @Test func createApplyAndPatchADeployment() async throws {
        let emulator = try await RunningEmulator.start()
        let file = try emulator.file("deploy.yaml", Self.deployment)
        #expect(try await emulator.kubectlOK(["create", "-f", file]).contains("deployment.apps/api created"))
        let wide = try await emulator.kubectlOK(["get", "deploy", "api", "-o", "wide"])
        #expect(wide.contains("2/2"))
        #expect(wide.contains("nginx:1.27"))
        #expect(wide.contains("app=api"))

        // Client-side apply: a strategic merge patch that changes one container field.
        let changed = try emulator.file("deploy2.yaml", Self.deployment.replacing("replicas: 2", with: "replicas: 3")
            .replacing("nginx:1.27", with: "nginx:1.28"))
        #expect(try await emulator.kubectlOK(["apply", "-f", changed]).contains("deployment.apps/api configured"))
        var object = try JSONParser.parse(try await emulator.kubectlOK(["get", "deploy", "api", "-o", "json"]))
        #expect(object[path: ["spec", "replicas"]] == .int(3))
        let container = object[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first
        #expect(container?["image"] == "nginx:1.28")
        #expect(container?["ports"]?.arrayValue?.first?["containerPort"] == .int(80), "the merge by name kept the ports")
        #expect(object[path: ["metadata", "generation"]] == .int(2))
        #expect(object[path: ["status", "readyReplicas"]] == .int(3))

        // Server-side apply, then the three patch types.
        let ssa = try emulator.file("deploy3.yaml", Self.deployment.replacing("replicas: 2", with: "replicas: 4"))
        #expect(try await emulator.kubectlOK(["apply", "--server-side", "--force-conflicts", "-f", ssa]).contains("serverside-applied"))
        object = try JSONParser.parse(try await emulator.kubectlOK(["get", "deploy", "api", "-o", "json"]))
        #expect(object[path: ["spec", "replicas"]] == .int(4))
        _ = try await emulator.kubectlOK(["patch", "deploy", "api", "-p", #"{"spec":{"replicas":5}}"#])
        _ = try await emulator.kubectlOK(["patch", "deploy", "api", "--type=json", "-p", #"[{"op":"replace","path":"/spec/replicas","value":6}]"#])
        _ = try await emulator.kubectlOK(["patch", "deploy", "api", "--type=merge", "-p", #"{"metadata":{"labels":{"x":"y"}}}"#])
        object = try JSONParser.parse(try await emulator.kubectlOK(["get", "deploy", "api", "-o", "json"]))
        #expect(object[path: ["spec", "replicas"]] == .int(6))
        #expect(object[path: ["metadata", "labels", "x"]] == "y")
        #expect(object[path: ["metadata", "labels", "app"]] == "api")

        #expect(try await emulator.kubectlOK(["delete", "-f", file]).contains("deployment.apps \"api\" deleted"))
        #expect(try await emulator.kubectlOK(["get", "deploy", "-o", "name"]).isEmpty)
    }

    @Test func configMapsSecretsAndNamespacesFromFiles() async throws {
        let emulator = try await RunningEmulator.start()
        let manifest = try emulator.file("all.yaml", """
            apiVersion: v1
            kind: Namespace
            metadata: {name: team-a}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings, namespace: team-a}
            data: {mode: fast, level: "3"}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: creds, namespace: team-a}
            stringData: {password: hunter2}
            """)
        let created = try await emulator.kubectlOK(["apply", "-f", manifest])
        #expect(created.contains("namespace/team-a created"))
        #expect(created.contains("configmap/settings created"))
        #expect(created.contains("secret/creds created"))
        let secret = try JSONParser.parse(try await emulator.kubectlOK(["get", "secret", "creds", "-n", "team-a", "-o", "json"]))
        #expect(secret[path: ["data", "password"]] == .string(Base64.encode(Array("hunter2".utf8))))
        #expect(secret["stringData"] == nil)
        #expect(secret["type"] == "Opaque")
        let configMaps = try await emulator.kubectlOK(["get", "cm", "-n", "team-a"])
        #expect(configMaps.contains("settings"))
        #expect(configMaps.contains("kube-root-ca.crt"), "a new namespace gets its root CA config map")
        #expect(try await emulator.kubectlOK(["get", "sa", "-n", "team-a", "-o", "name"]) == "serviceaccount/default\n")
        _ = try await emulator.kubectlOK(["delete", "namespace", "team-a"])
        let after = try await emulator.kubectl(["get", "cm", "settings", "-n", "team-a"])
        #expect(after.status != 0)
        #expect(after.stderr.contains("not found"))
    }

    @Test func watchPrintsChangesAsTheyHappen() async throws {
        let emulator = try await RunningEmulator.start()
        let watcher = try ChildProcess("kubectl", ["--kubeconfig", emulator.kubeconfig, "--cache-dir", emulator.cacheDirectory,
                                                  "get", "configmaps", "-w", "--request-timeout=6s"])
        try await Task.sleep(for: .milliseconds(1500))
        _ = try await emulator.kubectlOK(["apply", "-f", "-"], stdin: #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"watched"},"data":{"a":"b"}}"#)
        _ = try await emulator.kubectlOK(["label", "configmap", "watched", "x=1"])
        _ = try await emulator.kubectlOK(["delete", "configmap", "watched"])
        let result = await watcher.wait(timeout: .seconds(15))
        let rows = result.stdout.split(separator: "\n").filter { $0.hasPrefix("watched") }
        #expect(rows.count >= 3, "created, labelled and deleted: \(result)")
        #expect(result.stdout.contains("kube-root-ca.crt"), "the list came first")
    }

    @Test func followsLogs() async throws {
        let emulator = try await RunningEmulator.start(["--log-bytes", "1000"])
        _ = try await emulator.kubectlOK(["run", "logger", "--image=busybox"])
        _ = try await emulator.kubectlOK(["wait", "--for=condition=Ready", "pod/logger", "--timeout=10s"])
        let all = try await emulator.kubectlOK(["logs", "logger"])
        #expect(all.split(separator: "\n").count == 10)
        #expect(all.hasPrefix("line 0000000000 pod=logger container=logger"))
        let tail = try await emulator.kubectlOK(["logs", "logger", "--tail=2", "--timestamps"])
        let tailLines = tail.split(separator: "\n")
        #expect(tailLines.count == 2)
        #expect(tailLines[1].contains("line 0000000009"))
        #expect(tailLines[1].split(separator: " ").first.flatMap { KubernetesTime.parse(String($0)) } != nil)
        // -f keeps streaming new lines until the request times out.
        let followed = try await emulator.kubectl(["logs", "-f", "logger", "--tail=1", "--request-timeout=2s"], timeout: .seconds(10))
        let lines = followed.stdout.split(separator: "\n")
        #expect(lines.first?.contains("line 0000000009") == true)
        #expect(lines.count >= 5, "followed lines arrive every 100 ms: \(followed)")
        #expect(lines.contains { $0.contains("line 0000000012") })
    }

    @Test func badRequestsGetStatusErrors() async throws {
        let emulator = try await RunningEmulator.start()
        let invalid = try await emulator.kubectl(["apply", "-f", "-"], stdin: #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"Bad_Name"},"spec":{"containers":[]}}"#)
        #expect(invalid.status != 0)
        #expect(invalid.stderr.contains("is invalid"))
        #expect(invalid.stderr.contains("metadata.name: Invalid value: \"Bad_Name\""))
        #expect(invalid.stderr.contains("spec.containers: Required value"))
        _ = try await emulator.kubectlOK(["create", "-f", "-"], stdin: #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"}}"#)
        let duplicate = try await emulator.kubectl(["create", "-f", "-"], stdin: #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"}}"#)
        #expect(duplicate.stderr.contains("Error from server (AlreadyExists): error when creating \"STDIN\": configmaps \"dup\" already exists"))
        let missingNamespace = try await emulator.kubectl(["create", "-n", "nowhere", "-f", "-"], stdin: #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}"#)
        #expect(missingNamespace.stderr.contains("namespaces \"nowhere\" not found"))
        let badSelector = try await emulator.kubectl(["get", "pods", "--field-selector", "spec.bogus=1"])
        #expect(badSelector.stderr.contains("field label not supported: spec.bogus"))
        let conflict = try await emulator.kubectl(["replace", "-f", "-"], stdin: #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup","resourceVersion":"1"},"data":{"a":"b"}}"#)
        #expect(conflict.stderr.contains("Error from server (Conflict)"))
        #expect(conflict.stderr.contains("the object has been modified"))
    }

    @Test func typedCreatesSendProtobufAndAreDecoded() async throws {
        let emulator = try await RunningEmulator.start()
        #expect(try await emulator.kubectlOK(["create", "namespace", "team"]).contains("namespace/team created"))
        #expect(try await emulator.kubectlOK(["create", "secret", "generic", "s1", "--from-literal=p=q"]).contains("secret/s1 created"))
        #expect(try await emulator.kubectlOK(["create", "configmap", "c1", "--from-literal=a=b"]).contains("configmap/c1 created"))
        #expect(try await emulator.kubectlOK(["create", "deployment", "web", "--image=nginx:1.27", "--replicas=2"]).contains("deployment.apps/web created"))
        #expect(try await emulator.kubectlOK(["create", "service", "clusterip", "svc", "--tcp=80:8080"]).contains("service/svc created"))
        let posts = try emulator.requestLog().filter { $0["method"] == "POST" }
        #expect(posts.count == 5)
        #expect(posts.allSatisfy { $0["contentType"] == "application/vnd.kubernetes.protobuf" }, "\(posts)")
        #expect(posts.allSatisfy { $0["status"] == .int(201) })
        let secret = try JSONParser.parse(try await emulator.kubectlOK(["get", "secret", "s1", "-o", "json"]))
        #expect(secret[path: ["data", "p"]] == .string(Base64.encode(Array("q".utf8))))
        let deployment = try JSONParser.parse(try await emulator.kubectlOK(["get", "deploy", "web", "-o", "json"]))
        #expect(deployment[path: ["spec", "replicas"]] == .int(2))
        #expect(deployment[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["image"] == "nginx:1.27")
        let service = try JSONParser.parse(try await emulator.kubectlOK(["get", "svc", "svc", "-o", "json"]))
        #expect(service[path: ["spec", "ports"]]?.arrayValue?.first?["targetPort"] == .int(8080))
        #expect(try await emulator.kubectlOK(["get", "ns", "team", "-o", "name"]) == "namespace/team\n")
    }

    @Test func strictFieldValidationRefusesUnknownFields() async throws {
        let emulator = try await RunningEmulator.start()
        let typo = Self.deployment.replacing("replicas: 2", with: "replicas: 2\n  replicaz: 3")
        let refused = try await emulator.kubectl(["apply", "-f", "-"], stdin: typo)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains(#"strict decoding error: unknown field "spec.replicaz""#), "\(refused)")
        let wrongType = try await emulator.kubectl(["apply", "-f", "-"], stdin: Self.deployment.replacing("replicas: 2", with: "replicas: two"))
        #expect(wrongType.status != 0)
        #expect(wrongType.stderr.contains("Deployment in version \"v1\" cannot be handled as a Deployment"), "\(wrongType)")
        // With validation off (fieldValidation=Ignore) the object is accepted.
        _ = try await emulator.kubectlOK(["apply", "--validate=false", "-f", "-"], stdin: typo)
        #expect(try await emulator.kubectlOK(["get", "deploy", "api", "-o", "name"]) == "deployment.apps/api\n")
    }
}

/// Clients other than kubectl: the official Python client (pip's `kubernetes`, which tools/test installs).
@Suite(.serialized) struct OfficialClientTests {
    @Test func thePythonClientWorksUnmodified() async throws {
        let emulator = try await RunningEmulator.start()
        let script = Repository.root + "/Tests/KubeEmulatorTests/Clients/python_client.py"
        let result = await (try ChildProcess("python3", [script, emulator.kubeconfig])).wait(timeout: .seconds(60))
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("namespaces default,kube-node-lease,kube-public,kube-system"))
        #expect(lines.contains("created py-settings True"))
        #expect(lines.contains("read v"))
        #expect(lines.contains("patched w"))
        #expect(lines.contains("selected 1"))
        #expect(lines.contains("deployment 2"))
        #expect(lines.contains("watched MODIFIED Running"))
        #expect(lines.contains("log-lines 2"))
        #expect(lines.contains("missing 404 Not Found"))
        #expect(lines.contains("deleted 0"))
    }

    @Test func aGigabyteClassLogStreamsWhole() async throws {
        // The benchmark's 1 GB log is this path with a bigger annotation; 20 MB keeps the test quick.
        let emulator = try await RunningEmulator.start()
        _ = try await emulator.kubectlOK(["apply", "-f", "-"], stdin: """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"big","annotations":{"kube-emulator.kubetrail.dev/log-bytes":"20000000"}},
             "spec":{"containers":[{"name":"c","image":"busybox"}]}}
            """)
        _ = try await emulator.kubectlOK(["wait", "--for=condition=Ready", "pod/big", "--timeout=10s"])
        let output = emulator.directory + "/big.log"
        let result = await (try ChildProcess("sh", ["-c", "kubectl --kubeconfig \(emulator.kubeconfig) --cache-dir \(emulator.cacheDirectory) logs big > \(output)"])).wait(timeout: .seconds(60))
        #expect(result.status == 0, "\(result)")
        let size = try FileManager.default.attributesOfItem(atPath: output)[.size] as? Int
        #expect(size == 20_000_000)
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: output))
        try handle.seek(toOffset: 19_999_900)
        let last = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        #expect(last.hasPrefix("line 0000199999 pod=big container=c"))
    }
}
