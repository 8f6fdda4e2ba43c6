import Audit
import Foundation
import KubeAPI
import NIOCore
import NIOHTTP1
import ProxyIdentity
import SessionRecording

/// exec, attach and port-forward through the proxy: the upgrade request goes to the cluster on a
/// connection of its own; on 101 both connections are spliced byte for byte; anything else is
/// passed back and both connections are closed.
extension ProxyExchange {
    static let acceptedUpgrades: Set<String> = ["websocket", "spdy/3.1"]

    func forwardUpgrade(_ upgrade: String, auditor: RequestAuditor, cluster: UpstreamCluster, route: ClusterRoute,
                        caller: AuthenticatedCaller, started: ContinuousClock.Instant) async -> Int {
        guard let downstream = writer as? ChannelResponseWriter, downstream.version.major == 1 else {
            return await refuse(.badRequest("upgrades need HTTP/1.1"), auditor: auditor, decision: .deny, rule: "upgrade: not HTTP/1.1")
        }
        var upstreamHead = HTTPRequestHead(version: .http1_1, method: head.method, uri: route.upstreamTarget)
        do {
            let fields = try ForwardedRequestHeaders(
                clientHeaders: head.headers.map { (name: $0.name, value: $0.value) }, impersonatingUser: caller.user,
                groups: caller.groups.filter { $0 != "system:authenticated" }, upstreamBearerToken: cluster.token,
                auditID: auditor.auditID.uuidString.lowercased(), clientAddress: facts.remoteAddress, isUpgrade: true)
            upstreamHead.headers = HTTPHeaders(fields.fields.map { ($0.name, $0.value) })
        } catch {
            return await refuse(.badRequest("the request's headers cannot be forwarded: \(error)"), auditor: auditor, decision: .deny, rule: "headers")
        }
        let answer: UpstreamUpgrade.Answer
        do {
            answer = try await UpstreamUpgrade.send(upstreamHead, to: cluster, on: downstream.channel.eventLoop)
        } catch {
            let status = KubernetesStatus(code: 502, reason: "BadGateway", message: "cluster \(route.cluster) is unreachable: \(error)")
            _ = await record(auditor.event(stage: .responseComplete, status: ResponseStatus(code: 502)), omitting: auditor.omitStages)
            await writer.status(status, auditID: auditor.auditID)
            return 502
        }
        guard answer.head.status == .switchingProtocols else {
            // Refused upstream: pass the answer on, then close both connections.
            try? await answer.channel.close()
            let code = Int(answer.head.status.code)
            var headers = answer.head.headers.filter { !ResponseHeaders.hopByHop.contains($0.name.lowercased()) }.map { ($0.name, $0.value) }
            headers.removeAll { ["content-length", "audit-id"].contains($0.0.lowercased()) }
            headers += [("Content-Length", String(answer.body.readableBytes)), ("Audit-Id", auditor.auditID.uuidString.lowercased()), ("Connection", "close")]
            _ = await record(auditor.event(stage: .responseComplete, status: ResponseStatus(code: Int32(code)),
                                                latency: (ContinuousClock.now - started).microseconds, bytesOut: Int64(answer.body.readableBytes)),
                                  omitting: auditor.omitStages)
            try? await writer.head(status: code, headers: headers, streams: false)
            try? await writer.body(answer.body)
            try? await writer.end()
            await writer.abort()
            return code
        }
        _ = await record(auditor.event(stage: .responseStarted, status: ResponseStatus(code: 101)), omitting: auditor.omitStages)
        var switching = answer.head.headers.filter { !["audit-id", "content-length", "transfer-encoding"].contains($0.name.lowercased()) }
            .map { ($0.name, $0.value) }
        switching.append(("Audit-Id", auditor.auditID.uuidString.lowercased()))
        let core = self.core
        // What flows inside is recorded unless the audit level is None; the start event is
        // recorded before the 101 goes to the client.
        var recorder: SessionRecorder?
        let transport = SessionTransport.negotiated(responseHeaders: answer.head.headers.map { ($0.name, $0.value) })
        let onFailure = routing.onRecordingFailure
        if auditor.level != .none {
            let (_, query) = Self.split(route.upstreamTarget)
            var start = auditor.sessionStartEvent(transport: transport ?? .webSocket(subprotocol: "unknown"), query: query)
            let unparsable = transport == nil ? "the session's protocol is not one the recorder parses" : nil
            if let unparsable { start.annotations[SessionAnnotation.recordingFailure] = unparsable }
            let startRecorded = await core.recorded(start)
            // on_recording_failure: close — a session that cannot be recorded does not start.
            if onFailure == .close, let reason = !startRecorded ? "the audit trail cannot record this session" : unparsable {
                try? await answer.channel.close()
                let status = KubernetesStatus.serviceUnavailable("\(reason); refusing it (on_recording_failure: close)")
                _ = await record(auditor.event(stage: .responseComplete, status: ResponseStatus(code: 503, reason: status.reason, message: status.message),
                                                    latency: (ContinuousClock.now - started).microseconds),
                                      omitting: auditor.omitStages)
                await writer.status(status, auditID: auditor.auditID)
                await writer.abort()
                return 503
            }
            if let transport {
                let sessionRecorder = SessionRecorder(transport: transport, recordStdin: core.recordStdin, onFailure: onFailure,
                                                      channels: [downstream.channel, answer.channel])
                recorder = sessionRecorder
                let eventLoop = downstream.channel.eventLoop
                // Removed from the recorded sessions only once its last event is written, so a
                // stopping proxy waits for it.
                let recording = Task {
                    await Self.recordSession(sessionRecorder, on: eventLoop, auditor: auditor, started: started, core: core)
                    core.recordedSessions.remove(sessionRecorder)
                }
                core.recordedSessions.add(.init(recorder: sessionRecorder, eventLoop: downstream.channel.eventLoop, recording: recording,
                                                channels: [downstream.channel, answer.channel]))
            }
        }
        let sessionRecorder = recorder
        let sessions = ProxyMetrics.upgradedSessionsActive(cluster: cluster.name)
        sessions.increment()
        let done: @Sendable (Int64, Int64, SpliceHandler.Side?) -> Void = { [recorder] fromClient, fromCluster, closedFirst in
            sessions.decrement()
            if let recorder {
                // Its recording task writes the end event, then the request's ResponseComplete.
                return recorder.finish(bytesFromClient: fromClient, bytesFromCluster: fromCluster, closedFirst: closedFirst)
            }
            // Not recorded inside (level None, or a protocol the recorder cannot parse under
            // on_recording_failure: continue): only the request's ResponseComplete is written.
            let event = auditor.event(stage: .responseComplete, status: ResponseStatus(code: 101),
                                      latency: (ContinuousClock.now - started).microseconds, bytesIn: fromClient, bytesOut: fromCluster)
            Task { _ = await record(event, omitting: auditor.omitStages) }
        }
        do {
            try await downstream.switchProtocols(headers: switching, upstream: answer.channel, recorder: sessionRecorder, onClose: done)
        } catch {
            try? await answer.channel.close()
            await writer.abort()
            // On the splice's loop, where the recorder lives.
            downstream.channel.eventLoop.execute { done(0, 0, nil) }
        }
        return 101
    }

    /// Writes a session's chunks, its end event and the request's ResponseComplete to the trail,
    /// in order, as the recorder cuts them. A chunk the trail refuses is a recording failure
    /// (`on_recording_failure` decides); the end event counts the chunks lost.
    static func recordSession(_ recorder: SessionRecorder, on eventLoop: EventLoop, auditor: RequestAuditor,
                              started: ContinuousClock.Instant, core: ProxyCore) async {
        var lost = 0
        for await record in recorder.records {
            switch record {
            case .chunk(let chunk):
                if !(await core.recorded(auditor.sessionChunkEvent(chunk))) {
                    lost += 1
                    let index = chunk.index
                    eventLoop.execute { recorder.recordingFailed("the audit trail could not record chunk \(index)") }
                }
            case .end(let ending):
                var event = auditor.sessionEndEvent(ending)
                if lost > 0 { event.annotations[SessionAnnotation.chunksLost] = String(lost) }
                _ = await core.recorded(event)
                if !auditor.omitStages.contains(.responseComplete) {
                    _ = await core.recorded(auditor.event(
                        stage: .responseComplete, status: ResponseStatus(code: 101), latency: (ending.endedAt - started).microseconds,
                        bytesIn: ending.bytesFromClient, bytesOut: ending.bytesFromCluster))
                }
            }
        }
    }
}

extension ChannelResponseWriter {
    /// Sends the 101 through the HTTP encoder, then takes the HTTP handlers out of both pipelines
    /// and splices the two connections; `onClose` gets the bytes each side sent.
    func switchProtocols(headers: [(String, String)], upstream: Channel, recorder: SessionRecorder?,
                         onClose: @escaping @Sendable (Int64, Int64, SpliceHandler.Side?) -> Void) async throws {
        let channel = self.channel
        try await channel.eventLoop.flatSubmit {
            var head = HTTPResponseHead(version: .http1_1, status: .switchingProtocols)
            for (name, value) in headers { head.headers.add(name: name, value: value) }
            return channel.writeAndFlush(HTTPServerResponsePart.head(head)).flatMapThrowing {
                let (client, cluster) = SpliceHandler.pair(onClose: { onClose($0, $1, $2) }, observe: recorder.map { recorder in
                    { side, buffer in recorder.observe(side, buffer) }
                })
                recorder?.startTicking(on: channel.eventLoop)
                try upstream.pipeline.syncOperations.addHandler(cluster)
                try channel.pipeline.syncOperations.addHandler(client)
            }.flatMap {
                // Every outbound HTTP handler goes first, on both sides, so spliced bytes are
                // written raw; then the upstream decoder, then the downstream one: a decoder's
                // removal hands on the bytes it already read, which must find the splice ready.
                removeInOrder(upstream, ["upgrade-encoder", "upgrade-answer"])
            }.flatMap {
                removeInOrder(channel, ["proxy-request", "request-body", "protocol-errors", "pipelining", "response-encoder"])
            }.flatMap {
                removeInOrder(upstream, ["upgrade-decoder"])
            }.flatMap {
                removeInOrder(channel, ["request-decoder"])
            }.map {
                upstream.read()
                channel.read()
            }
        }.get()
    }
}

/// Removes the named handlers one after the other.
private func removeInOrder(_ channel: Channel, _ names: [String]) -> EventLoopFuture<Void> {
    var future = channel.eventLoop.makeSucceededVoidFuture()
    for name in names {
        future = future.flatMap { channel.pipeline.removeHandler(name: name) }
    }
    return future
}
