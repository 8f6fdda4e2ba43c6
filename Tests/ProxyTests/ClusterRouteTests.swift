import KubetrailTestSupport
import Proxy
import Testing

@Suite struct ClusterRouteTests {
    @Test func splitsClusterAndUpstreamTarget() throws {
        #expect(try ClusterRoute.parse("/clusters/prod/api/v1/namespaces/default/pods?limit=500")
                == ClusterRoute(cluster: "prod", upstreamTarget: "/api/v1/namespaces/default/pods?limit=500"))
        #expect(try ClusterRoute.parse("/clusters/prod") == ClusterRoute(cluster: "prod", upstreamTarget: "/"))
        #expect(try ClusterRoute.parse("/clusters/prod?x=1") == ClusterRoute(cluster: "prod", upstreamTarget: "/?x=1"))
        #expect(try ClusterRoute.parse("/clusters/eu-west-1/version?timeout=5s").cluster == "eu-west-1")
        // Dots inside a segment, an empty segment, a lone '%' and non-ASCII in the path are the cluster's business.
        #expect(try ClusterRoute.parse("/clusters/a/api/v1/configmaps/a..b").upstreamTarget == "/api/v1/configmaps/a..b")
        #expect(try ClusterRoute.parse("/clusters/a/api//x/...").upstreamTarget == "/api//x/...")
        #expect(try ClusterRoute.parse("/clusters/a/x%2").upstreamTarget == "/x%2")
        #expect(try ClusterRoute.parse("/clusters/a/ünï?q=..").upstreamTarget == "/ünï?q=..")
        #expect(try ClusterRoute.parse("/clusters/a/?x=/../") == ClusterRoute(cluster: "a", upstreamTarget: "/?x=/../"))
        // An encoded character in the query is the cluster's business.
        #expect(try ClusterRoute.parse("/clusters/a/api/v1/pods?fieldSelector=metadata.name%3Dweb").upstreamTarget
                == "/api/v1/pods?fieldSelector=metadata.name%3Dweb")
    }

    @Test(arguments: [
        "/api/v1/pods", "/cluster/prod/api", "/clusters/", "/clusters//api", "/clusters/Prod/api", "/clusters/prod%2F..%2Fstaging/api",
        "/clusters/../staging/api", "/clusters/./api", "/clusters/-prod/api", "/clusters/prod-/api",
        "/clusters/" + String(repeating: "a", count: 64) + "/api", "/clusters/prod_1/api", "/clusters/prod/../staging/api",
        "/clusters/prod/api/%2e%2e/x", "/clusters/prod/api%2F..%2Fx", "/clusters/prod/a\\b", "/clusters/prod/a b",
        "/clusters/pröd/api", "/clusters/prod/api/%2E%2E/x", "/clusters/prod/api/..", "/clusters/prod/api/.", "/clusters/prod/a%5Cb",
        "/clusters/prod/a%5c", "/clusters/prod/a\tb", "/clusters/prod/a\u{7f}", "/clusters/prod/..?x=1", "/clusters/prod/a/%2e",
        "/clusters/prod/./x", "/clusters/prod/a/./", "/clusters/prod/a//../b", "/clusters/prod/.", "/clusters/prod/a/..",
    ])
    func refusesTricks(_ target: String) {
        #expect(throws: ClusterRoute.Refusal.self) { try ClusterRoute.parse(target) }
    }

    /// The byte parser against a plain String-level reading of the same rules (the parser it
    /// replaced), over targets made of the characters that matter: they agree on every one.
    @Test func agreesWithAStringLevelReadingOfTheRules() {
        func reference(_ target: String) -> ClusterRoute? {
            let pathEnd = target.firstIndex(of: "?") ?? target.endIndex
            let path = target[..<pathEnd]
            guard path.hasPrefix("/clusters/") else { return nil }
            let afterPrefix = path.dropFirst("/clusters/".count)
            let name = String(afterPrefix[..<(afterPrefix.firstIndex(of: "/") ?? afterPrefix.endIndex)])
            guard ClusterRoute.isValidClusterName(name) else { return nil }
            var rest = String(afterPrefix[(afterPrefix.firstIndex(of: "/") ?? afterPrefix.endIndex)...])
            if rest.isEmpty { rest = "/" }
            for segment in rest.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
                let lowered = segment.lowercased()
                if lowered == "." || lowered == ".." || lowered.contains("%2e") || lowered.contains("%2f") || lowered.contains("%5c") { return nil }
            }
            if rest.contains("\\") || rest.utf8.contains(where: { $0 < 0x21 || $0 == 0x7F }) { return nil }
            return ClusterRoute(cluster: name, upstreamTarget: rest + target[pathEnd...])
        }
        let pieces = ["/", ".", "..", "a", "p", "%", "2", "e", "E", "f", "F", "5", "c", "C", "?", "\\", " ", "-", "=", "%2e", "%2F", "%5C"]
        var random = SplitMix64(seed: 0xC1A5)
        for _ in 0..<50_000 {
            var target = Bool.random(using: &random) ? "/clusters/p" : "/clusters/"
            for _ in 0..<Int.random(in: 0...10, using: &random) { target += pieces.randomElement(using: &random)! }
            let parsed = try? ClusterRoute.parse(target)
            #expect(parsed == reference(target), "\(target)")
            if parsed != reference(target) { return }
        }
    }
}
