import Audit
import Foundation
import SessionRecording

/// A recorded exec session made up for tests and benchmarks: its start, chunk and end events
/// are built as the proxy builds them (Sources/Proxy/SessionRecorder.swift: the same
/// annotations, `FrameChunkEncoding` bodies, `FrameChunker` cuts), so that they go through the
/// real audit pipeline into PostgreSQL and read back like a real recording.
public struct SyntheticSession: Sendable {
    /// The session id: the exec request's audit id, lower-case.
    public let id: String
    public let auditID: UUID
    public var user = "alice"
    public var cluster = "emu"
    public var namespace = "default"
    public var pod = "web"
    public var command = "sh"
    /// `exec`, `attach` or `portforward`.
    public var kind = "exec"
    public var kubectlSession: String?
    public var connectionID = "conn-1"
    public let startedAt: Date


    public init(startedAt: Date, auditID: UUID = .timeOrdered()) {
        self.auditID = auditID
        self.id = auditID.uuidString.lowercased()
        self.startedAt = startedAt
    }

    private func event(_ eventKind: AuditEvent.Kind, stage: AuditEvent.Stage, at offset: Int64) -> AuditEvent {
        AuditEvent(
            auditID: auditID, kind: eventKind, stage: stage, level: .metadata, verb: "create",
            requestURI: "/api/v1/namespaces/\(namespace)/pods/\(pod)/\(kind)?command=\(command)&stdin=true&stdout=true&tty=true",
            user: UserInfo(username: user, groups: ["dev", "system:authenticated"]), sourceIPs: ["127.0.0.1"],
            objectRef: ObjectReference(apiVersion: "v1", resource: "pods", subresource: kind, namespace: namespace, name: pod),
            responseStatus: ResponseStatus(code: 101), requestReceivedTimestamp: startedAt,
            stageTimestamp: startedAt.addingTimeInterval(Double(offset) / 1_000_000), cluster: cluster, authenticationMethod: .x509,
            sessionID: id, connectionID: connectionID, kubectlSession: kubectlSession, kubectlCommand: "kubectl \(kind)")
    }

    public func startEvent() -> AuditEvent {
        var e = event(.sessionStart, stage: .responseStarted, at: 0)
        e.annotations = [
            SessionAnnotation.protocolName: "websocket/v5.channel.k8s.io", SessionAnnotation.kind: kind,
            SessionAnnotation.command: command, SessionAnnotation.tty: "true", SessionAnnotation.stdin: "true", SessionAnnotation.stdout: "true",
        ]
        return e
    }

    /// The chunk's event, stamped when its last frame was recorded.
    public func chunkEvent(_ chunk: FrameChunk) -> AuditEvent {
        var e = event(.sessionChunk, stage: .responseStarted, at: chunk.lastOffset)
        e.responseStatus = nil
        e.annotations = [
            SessionAnnotation.chunk: String(chunk.index), SessionAnnotation.firstOffset: String(chunk.firstOffset),
            SessionAnnotation.lastOffset: String(chunk.lastOffset), SessionAnnotation.frames: String(chunk.frames.count),
        ]
        e.responseBody = Payload(contentType: FrameChunkEncoding.contentType, bytes: FrameChunkEncoding.encode(chunk.frames))
        return e
    }

    public func endEvent(duration: Int64, exitCode: Int32?, bytesIn: Int64, bytesOut: Int64, chunks: Int) -> AuditEvent {
        var e = event(.sessionEnd, stage: .responseComplete, at: duration)
        e.latencyMicroseconds = duration
        e.bytesIn = bytesIn
        e.bytesOut = bytesOut
        e.annotations = [
            SessionAnnotation.endedBy: exitCode == nil ? "client closed" : "exited", SessionAnnotation.duration: String(duration),
            SessionAnnotation.chunks: String(chunks),
        ]
        if let exitCode { e.annotations[SessionAnnotation.exitCode] = String(exitCode) }
        return e
    }

    /// All the events of a session of `frames` (in offset order): start, chunks as the proxy's
    /// chunker cuts them (by size, or by age when the next frame comes), end.
    public func events(_ frames: some Sequence<SessionFrame>, exitCode: Int32? = 0, chunker: FrameChunker = FrameChunker()) -> [AuditEvent] {
        var chunker = chunker
        var events = [startEvent()]
        var bytesIn: Int64 = 0, bytesOut: Int64 = 0
        var last: Int64 = 0
        var chunks = 0
        for frame in frames {
            if let chunk = chunker.tick(at: frame.offset) { events.append(chunkEvent(chunk)); chunks += 1 }
            if let chunk = chunker.append(frame) { events.append(chunkEvent(chunk)); chunks += 1 }
            if frame.direction == .fromClient { bytesIn += Int64(frame.bytes.count) } else { bytesOut += Int64(frame.bytes.count) }
            last = frame.offset
        }
        if let chunk = chunker.finish() { events.append(chunkEvent(chunk)); chunks += 1 }
        events.append(endEvent(duration: last + 1000, exitCode: exitCode, bytesIn: bytesIn, bytesOut: bytesOut, chunks: chunks))
        return events
    }

    /// A busy terminal: `bytesPerFrame` of log-like output every `interval` microseconds, for
    /// `duration` microseconds, with a keystroke now and then. Deterministic per seed; made
    /// lazily, so an hour of output never sits in memory.
    public static func terminalOutput(duration: Int64, interval: Int64, bytesPerFrame: Int, seed: UInt64 = 1) -> some Sequence<SessionFrame> {
        var rng = SplitMix64(seed: seed)
        var offset: Int64 = 0
        var line = 0
        return AnySequence {
            AnyIterator { () -> SessionFrame? in
                guard offset < duration else { return nil }
                defer { offset += interval / 2 + Int64(rng.next() % UInt64(interval)) }
                if rng.next() % 50 == 0 {
                    return SessionFrame(offset: offset, stream: .stdin, bytes: Array("ls -la\r".utf8), direction: .fromClient)
                }
                var bytes: [UInt8] = []
                bytes.reserveCapacity(bytesPerFrame + 120)
                let minute = offset / 60_000_000, second = (offset / 1_000_000) % 60
                while bytes.count < bytesPerFrame {
                    line += 1
                    let text = String(format: "[%02lld:%02lld] line %ld worker-%llu processed request %016llx in %llu ms\r\n",
                                      minute, second, line, rng.next() % 16, rng.next(), rng.next() % 900)
                    bytes.append(contentsOf: text.utf8)
                }
                return SessionFrame(offset: offset, stream: .stdout, bytes: bytes, direction: .fromCluster)
            }
        }
    }
}
