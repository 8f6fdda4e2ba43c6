import KubeAPI
import Testing

@Suite struct RequestInfoTests {
    struct Case: CustomStringConvertible, Sendable {
        var method: String
        var target: String
        var verb: String
        var group: String = ""
        var namespace: String = ""
        var resource: String = ""
        var subresource: String = ""
        var name: String = ""
        var isResource = true
        var description: String { "\(method) \(target)" }
    }

    // Expected values follow kube-apiserver's RequestInfoFactory (requestinfo_test.go).
    static let cases: [Case] = [
        Case(method: "GET", target: "/api/v1/namespaces/default/pods", verb: "list", namespace: "default", resource: "pods"),
        Case(method: "GET", target: "/api/v1/namespaces/default/pods/web", verb: "get", namespace: "default", resource: "pods", name: "web"),
        Case(method: "GET", target: "/api/v1/pods", verb: "list", resource: "pods"),
        Case(method: "GET", target: "/api/v1/namespaces/default/pods?watch=true&resourceVersion=5", verb: "watch", namespace: "default", resource: "pods"),
        Case(method: "GET", target: "/api/v1/namespaces/default/pods?watch=1&fieldSelector=metadata.name%3Dweb", verb: "watch", namespace: "default", resource: "pods", name: "web"),
        Case(method: "GET", target: "/api/v1/watch/namespaces/default/pods", verb: "watch", namespace: "default", resource: "pods"),
        Case(method: "POST", target: "/api/v1/namespaces/default/pods", verb: "create", namespace: "default", resource: "pods"),
        Case(method: "PUT", target: "/api/v1/namespaces/default/pods/web", verb: "update", namespace: "default", resource: "pods", name: "web"),
        Case(method: "PATCH", target: "/apis/apps/v1/namespaces/prod/deployments/api", verb: "patch", group: "apps", namespace: "prod", resource: "deployments", name: "api"),
        Case(method: "DELETE", target: "/api/v1/namespaces/default/pods/web", verb: "delete", namespace: "default", resource: "pods", name: "web"),
        Case(method: "DELETE", target: "/api/v1/namespaces/default/pods", verb: "deletecollection", namespace: "default", resource: "pods"),
        Case(method: "GET", target: "/api/v1/namespaces/default/pods/web/log?follow=true", verb: "get", namespace: "default", resource: "pods", subresource: "log", name: "web"),
        Case(method: "POST", target: "/api/v1/namespaces/default/pods/web/exec?command=sh", verb: "create", namespace: "default", resource: "pods", subresource: "exec", name: "web"),
        Case(method: "GET", target: "/api/v1/namespaces/default/pods/web/exec?command=sh", verb: "get", namespace: "default", resource: "pods", subresource: "exec", name: "web"),
        Case(method: "GET", target: "/api/v1/namespaces/default/pods/web/portforward", verb: "get", namespace: "default", resource: "pods", subresource: "portforward", name: "web"),
        Case(method: "GET", target: "/api/v1/namespaces/kube-system", verb: "get", namespace: "kube-system", resource: "namespaces", name: "kube-system"),
        Case(method: "PUT", target: "/api/v1/namespaces/kube-system/status", verb: "update", namespace: "kube-system", resource: "namespaces", subresource: "status", name: "kube-system"),
        Case(method: "GET", target: "/api/v1/namespaces", verb: "list", resource: "namespaces"),
        Case(method: "GET", target: "/version", verb: "get", isResource: false),
        Case(method: "GET", target: "/api", verb: "get", isResource: false),
        Case(method: "GET", target: "/api/v1", verb: "get", isResource: false),
        Case(method: "GET", target: "/apis/apps", verb: "get", isResource: false),
        Case(method: "GET", target: "/apis/apps/v1", verb: "get", isResource: false),
        Case(method: "POST", target: "/healthz", verb: "post", isResource: false),
        Case(method: "GET", target: "/api/v1/namespaces/default/pods/", verb: "list", namespace: "default", resource: "pods"),
        // apimachinery's Convert_Slice_string_To_bool: the first value counts; only 0 and false
        // (any case) are false, so `yes`, `t` and even an empty value mean a watch.
        Case(method: "GET", target: "/api/v1/pods?watch=yes", verb: "watch", resource: "pods"),
        Case(method: "GET", target: "/api/v1/pods?watch=", verb: "watch", resource: "pods"),
        Case(method: "GET", target: "/api/v1/pods?watch=True", verb: "watch", resource: "pods"),
        Case(method: "GET", target: "/api/v1/pods?watch=true&watch=false", verb: "watch", resource: "pods"),
        Case(method: "GET", target: "/api/v1/pods?watch=false&watch=true", verb: "list", resource: "pods"),
        Case(method: "GET", target: "/api/v1/pods?watch=FALSE", verb: "list", resource: "pods"),
        Case(method: "GET", target: "/api/v1/pods?watch=0", verb: "list", resource: "pods"),
    ]

    @Test func booleanParametersReadAsTheAPIServerReadsThem() {
        #expect(QueryFlag.isSet("follow", in: [("follow", "t")]) && QueryFlag.isSet("follow", in: [("follow", "")]))
        #expect(!QueryFlag.isSet("follow", in: []) && !QueryFlag.isSet("follow", in: [("follow", "False"), ("follow", "true")]))
        #expect(QueryFlag.isSet("follow", in: [("container", "0"), ("follow", "1")]))
    }

    @Test(arguments: cases)
    func resolves(_ expected: Case) {
        let (path, query) = EmulatorRequestTarget.split(expected.target)
        let info = RequestInfoResolver.resolve(method: expected.method, path: path, query: query)
        #expect(info.isResourceRequest == expected.isResource)
        #expect(info.verb == expected.verb)
        #expect(info.apiGroup == expected.group)
        #expect(info.namespace == expected.namespace)
        #expect(info.resource == expected.resource)
        #expect(info.subresource == expected.subresource)
        #expect(info.name == expected.name)
    }

    @Test func connectSubresourcesAreMarked() {
        #expect(RequestInfoResolver.resolve(method: "POST", path: "/api/v1/namespaces/d/pods/p/exec", query: []).isConnect)
        #expect(!RequestInfoResolver.resolve(method: "GET", path: "/api/v1/namespaces/d/pods/p/log", query: []).isConnect)
    }
}

/// Test-side split of a request target (the emulator has its own; this keeps the test independent).
enum EmulatorRequestTarget {
    static func split(_ target: String) -> (String, [(String, String)]) {
        guard let mark = target.firstIndex(of: "?") else { return (target, []) }
        let query = target[target.index(after: mark)...].split(separator: "&").map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            return (parts[0], (parts.count > 1 ? parts[1] : "").replacing("%3D", with: "="))
        }
        return (String(target[..<mark]), query)
    }
}
