import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL

/// `kubetrail-bench latency`: GETs one URL with a client certificate or bearer token, C at a
/// time, and prints throughput and latency percentiles. Used side by side on the emulator
/// directly and through the proxy by `tools/bench proxy`.
struct LatencyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "latency", abstract: "Latency of repeated GETs of one URL.")

    @Option(help: "The URL to GET.") var url: String
    @Option(help: "CA bundle (PEM) to trust.") var ca: String
    @Option(help: "Client certificate (PEM).") var cert: String?
    @Option(help: "Client key (PEM).") var key: String?
    @Option(help: "Bearer token.") var token: String?
    @Option(help: "Requests to time (after a warm-up of a tenth as many).") var requests = 20000
    @Option(help: "Requests in flight at once.") var concurrency = 8
    @Option(help: "A label for the output line.") var label = "target"

    func run() async throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
        if let cert, let key {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.httpVersion = .automatic
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        defer { _ = client.shutdown() }
        let token = self.token
        let url = self.url
        func one() async throws -> Double {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Accept", value: "application/json")
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            let start = ContinuousClock.now
            let response = try await client.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 16 << 20)
            guard response.status == .ok else { throw ValidationError("\(url): HTTP \(response.status.code)") }
            let elapsed = ContinuousClock.now - start
            return Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15
        }
        func batch(_ count: Int) async throws -> [Double] {
            try await withThrowingTaskGroup(of: [Double].self) { group in
                for worker in 0..<concurrency {
                    group.addTask {
                        var times: [Double] = []
                        for _ in stride(from: worker, to: count, by: concurrency) { times.append(try await one()) }
                        return times
                    }
                }
                var all: [Double] = []
                for try await times in group { all += times }
                return all
            }
        }
        _ = try await batch(max(requests / 10, concurrency))
        let start = ContinuousClock.now
        let times = try await batch(requests).sorted()
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        func percentile(_ p: Double) -> Double { times[min(times.count - 1, Int(Double(times.count) * p))] }
        print(String(format: "%@: %d requests, %d in flight: %.0f req/s; p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms",
                     label as NSString, times.count, concurrency, Double(times.count) / seconds, percentile(0.5), percentile(0.9),
                     percentile(0.99), times.last ?? 0))
    }
}
