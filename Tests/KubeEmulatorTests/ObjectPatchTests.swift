import KubetrailTestSupport
import KubeAPI
import Testing

@testable import KubeEmulator

@Suite struct ObjectPatchTests {
    static let deployment: JSONValue = try! JSONParser.parse(#"""
        {"spec":{"replicas":1,"template":{"spec":{"containers":[
          {"name":"api","image":"a:1","ports":[{"containerPort":80}],"env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},
          {"name":"sidecar","image":"s:1"}]}}},"metadata":{"labels":{"app":"api","old":"x"}}}
        """#)

    @Test func strategicMergeMergesListsByKey() throws {
        // The shape of a client-side `kubectl apply` patch.
        let patch = try JSONParser.parse(#"""
            {"metadata":{"labels":{"old":null}},"spec":{"template":{"spec":{
              "$setElementOrder/containers":[{"name":"api"},{"name":"sidecar"}],
              "containers":[{"name":"api","image":"a:2","env":[{"name":"B","$patch":"delete"},{"name":"C","value":"3"}]}]}}}}
            """#)
        let result = try ObjectPatch.apply(.strategicMerge, patch: patch, to: Self.deployment)
        let containers = result[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
        #expect(containers.count == 2)
        #expect(containers[0]["image"] == "a:2")
        #expect(containers[0]["ports"] == [["containerPort": 80]])
        #expect(containers[0]["env"] == [["name": "A", "value": "1"], ["name": "C", "value": "3"]])
        #expect(containers[1]["image"] == "s:1")
        #expect(result[path: ["metadata", "labels"]] == ["app": "api"])
        #expect(result[path: ["spec", "template", "spec"]]?["$setElementOrder/containers"] == nil)
    }

    @Test func strategicMergeReplaceDirective() throws {
        let patch = try JSONParser.parse(#"{"metadata":{"labels":{"$patch":"replace","only":"this"}}}"#)
        let result = try ObjectPatch.apply(.strategicMerge, patch: patch, to: Self.deployment)
        #expect(result[path: ["metadata", "labels"]] == ["only": "this"])
    }

    @Test func mergePatchReplacesListsWhole() throws {
        let patch = try JSONParser.parse(#"{"spec":{"template":{"spec":{"containers":[{"name":"only","image":"o"}]}}},"metadata":{"labels":{"app":null}}}"#)
        let result = try ObjectPatch.apply(.jsonMerge, patch: patch, to: Self.deployment)
        #expect(result[path: ["spec", "template", "spec", "containers"]] == [["name": "only", "image": "o"]])
        #expect(result[path: ["metadata", "labels"]] == ["old": "x"])
        #expect(result[path: ["spec", "replicas"]] == .int(1))
    }

    @Test func jsonPatchOperations() throws {
        let patch = try JSONParser.parse(#"""
            [{"op":"test","path":"/spec/replicas","value":1},
             {"op":"replace","path":"/spec/replicas","value":3},
             {"op":"add","path":"/metadata/labels/new","value":"n"},
             {"op":"remove","path":"/metadata/labels/old"},
             {"op":"add","path":"/spec/template/spec/containers/-","value":{"name":"third","image":"t"}},
             {"op":"copy","from":"/metadata/labels/app","path":"/metadata/labels/copy"},
             {"op":"move","from":"/metadata/labels/copy","path":"/metadata/labels/moved"}]
            """#)
        let result = try ObjectPatch.apply(.json, patch: patch, to: Self.deployment)
        #expect(result[path: ["spec", "replicas"]] == .int(3))
        #expect(result[path: ["metadata", "labels"]] == ["app": "api", "new": "n", "moved": "api"])
        #expect(result[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.last?["name"] == "third")
    }

    @Test func jsonPatchFailuresAreStatusErrors() throws {
        let failedTest = try JSONParser.parse(#"[{"op":"test","path":"/spec/replicas","value":7}]"#)
        let testError = #expect(throws: KubernetesStatus.self) { try ObjectPatch.apply(.json, patch: failedTest, to: Self.deployment) }
        #expect(testError?.code == 422)
        let missing = try JSONParser.parse(#"[{"op":"replace","path":"/spec/nothing/here","value":1}]"#)
        #expect(throws: KubernetesStatus.self) { try ObjectPatch.apply(.json, patch: missing, to: Self.deployment) }
        let notAnArray = try JSONParser.parse(#"{"op":"add"}"#)
        let shapeError = #expect(throws: KubernetesStatus.self) { try ObjectPatch.apply(.json, patch: notAnArray, to: Self.deployment) }
        #expect(shapeError?.code == 400)
        let badOp = try JSONParser.parse(#"[{"op":"frobnicate","path":"/a"}]"#)
        #expect(throws: KubernetesStatus.self) { try ObjectPatch.apply(.json, patch: badOp, to: Self.deployment) }
    }

    @Test func formatsFromContentTypes() {
        #expect(ObjectPatch.Format(contentType: "application/strategic-merge-patch+json") == .strategicMerge)
        #expect(ObjectPatch.Format(contentType: "application/merge-patch+json; charset=utf-8") == .jsonMerge)
        #expect(ObjectPatch.Format(contentType: "application/json-patch+json") == .json)
        #expect(ObjectPatch.Format(contentType: "application/apply-patch+yaml") == .apply)
        #expect(ObjectPatch.Format(contentType: "application/json") == nil)
    }
}

@Suite struct ObjectStoreTests {
    func configMap(_ name: String, labels: JSONValue = [:]) -> JSONValue {
        ["metadata": ["name": .string(name), "namespace": "default", "labels": labels], "data": [:]]
    }

    func store() async throws -> ObjectStore {
        let store = ObjectStore()
        _ = try await store.create(ResourceCatalog.namespaces, object: ["metadata": ["name": "default"]])
        return store
    }

    @Test func resourceVersionsIncreaseAndConflictsAreDetected() async throws {
        let store = try await store()
        let created = try await store.create(ResourceCatalog.configmaps, object: configMap("a"))
        let firstVersion = try #require(created[path: ["metadata", "resourceVersion"]]?.stringValue.flatMap { Int64($0) })
        let updated = try await store.update(ResourceCatalog.configmaps, namespace: "default", name: "a") { current throws(KubernetesStatus) in
            var next = current
            next["data"] = ["k": "v"]
            return next
        }
        let secondVersion = try #require(updated[path: ["metadata", "resourceVersion"]]?.stringValue.flatMap { Int64($0) })
        #expect(secondVersion > firstVersion)
        let stale = await #expect(throws: KubernetesStatus.self) {
            try await store.update(ResourceCatalog.configmaps, namespace: "default", name: "a") { current throws(KubernetesStatus) in
                var next = current
                next[path: ["metadata", "resourceVersion"]] = .string(String(firstVersion))
                next["data"] = ["k": "w"]
                return next
            }
        }
        #expect(stale?.reason == "Conflict")
        let duplicate = await #expect(throws: KubernetesStatus.self) { try await store.create(ResourceCatalog.configmaps, object: configMap("a")) }
        #expect(duplicate?.code == 409)
        let noNamespace = await #expect(throws: KubernetesStatus.self) {
            try await store.create(ResourceCatalog.configmaps, object: ["metadata": ["name": "x", "namespace": "nowhere"]])
        }
        #expect(noNamespace?.message == "namespaces \"nowhere\" not found")
    }

    @Test func watchesSeeObjectsEnterAndLeaveTheirSelection() async throws {
        let store = try await store()
        let selector = try LabelSelector(parsing: "app=web")
        let (events, id) = try await store.watch(ResourceCatalog.configmaps, filter: ObjectFilter(namespace: "default", labels: selector), since: nil)
        _ = try await store.create(ResourceCatalog.configmaps, object: configMap("a"))
        _ = try await store.update(ResourceCatalog.configmaps, namespace: "default", name: "a") { current throws(KubernetesStatus) in
            var next = current
            next[path: ["metadata", "labels", "app"]] = "web"
            return next
        }
        _ = try await store.update(ResourceCatalog.configmaps, namespace: "default", name: "a") { current throws(KubernetesStatus) in
            var next = current
            next[path: ["metadata", "labels", "app"]] = "db"
            return next
        }
        _ = try await store.delete(ResourceCatalog.configmaps, namespace: "default", name: "a")
        await store.stopWatch(id)
        var seen: [WatchEvent.EventType] = []
        for await event in events { seen.append(event.type) }
        #expect(seen == [.added, .deleted], "entering the selection is ADDED, leaving it DELETED; the rest is invisible")
    }

    @Test func watchFromAResourceVersionReplaysLaterChanges() async throws {
        let store = try await store()
        let first = try await store.create(ResourceCatalog.configmaps, object: configMap("a"))
        _ = try await store.create(ResourceCatalog.configmaps, object: configMap("b"))
        let since = Int64(first[path: ["metadata", "resourceVersion"]]!.stringValue!)!
        let (events, id) = try await store.watch(ResourceCatalog.configmaps, filter: ObjectFilter(namespace: "default"), since: since)
        await store.stopWatch(id)
        var names: [String] = []
        for await event in events { names.append(event.object[path: ["metadata", "name"]]?.stringValue ?? "") }
        #expect(names == ["b"])
    }

    @Test func tooOldResourceVersionsAreExpired() async throws {
        let store = ObjectStore(historyLimit: 3)
        _ = try await store.create(ResourceCatalog.namespaces, object: ["metadata": ["name": "default"]])
        for index in 0..<10 { _ = try await store.create(ResourceCatalog.configmaps, object: configMap("c\(index)")) }
        let error = await #expect(throws: KubernetesStatus.self) {
            try await store.watch(ResourceCatalog.configmaps, filter: ObjectFilter(), since: 2)
        }
        #expect(error?.code == 410)
        #expect(error?.reason == "Expired")
    }

    @Test func deletingANamespaceDeletesItsContents() async throws {
        let store = try await store()
        _ = try await store.create(ResourceCatalog.namespaces, object: ["metadata": ["name": "team"]])
        _ = try await store.create(ResourceCatalog.configmaps, object: ["metadata": ["name": "x", "namespace": "team"]])
        _ = try await store.delete(ResourceCatalog.namespaces, namespace: "", name: "team")
        #expect(await store.list(ResourceCatalog.configmaps, filter: ObjectFilter(namespace: "team")).items.isEmpty)
    }
}
