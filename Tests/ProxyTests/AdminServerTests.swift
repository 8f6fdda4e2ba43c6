import NIOHTTP1
@testable import Proxy
import Testing

@Suite struct AdminServerTests {
    let endpoints = AdminServer.Endpoints(metrics: { Array("up 1\n".utf8) }, readiness: { Readiness(problems: ["spool full"]) })

    func get(_ uri: String, _ method: HTTPMethod = .GET) async -> AdminServer.Answer {
        await AdminServer.answer(HTTPRequestHead(version: .http1_1, method: method, uri: uri), endpoints: endpoints)
    }

    @Test func routes() async {
        let metrics = await get("/metrics?name=x")
        #expect(metrics.status == .ok)
        #expect(metrics.contentType.hasPrefix("text/plain; version=0.0.4"))
        #expect(metrics.body == Array("up 1\n".utf8))
        #expect(await get("/healthz").status == .ok)
        let ready = await get("/readyz")
        #expect(ready.status == .serviceUnavailable)
        #expect(String(decoding: ready.body, as: UTF8.self) == "not ready:\n- spool full\n")
        #expect(await get("/metrics/../secrets").status == .notFound)
        #expect(await get("/metrics", .POST).status == .methodNotAllowed)
        #expect(await get("/healthz", .HEAD).status == .ok)
    }
}
