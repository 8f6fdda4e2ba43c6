import Audit
import AuditSynthetic
import Foundation
import SessionRecording

/// A small trail of sessions whose listing was worked out by hand: two API sessions (one keyed
/// by its Kubectl-Session, one by its connection) and three interactive sessions (an exec that
/// exited 3, an attach the client closed, an exec still live).
enum SessionTrailFixture {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)
    static let s: Int64 = 1_000_000

    static let exec: SyntheticSession = {
        var session = SyntheticSession(startedAt: t0.addingTimeInterval(60), auditID: UUID(uuidString: "01900000-0000-7000-8000-00000000000a")!)
        session.kubectlSession = "run-a"
        session.connectionID = "conn-a"
        return session
    }()

    static let attach: SyntheticSession = {
        var session = SyntheticSession(startedAt: t0.addingTimeInterval(600), auditID: UUID(uuidString: "01900000-0000-7000-8000-00000000000b")!)
        session.kind = "attach"
        session.user = "bob"
        session.cluster = "prod"
        session.connectionID = "conn-b"
        return session
    }()

    static let live: SyntheticSession = {
        var session = SyntheticSession(startedAt: t0.addingTimeInterval(1200), auditID: UUID(uuidString: "01900000-0000-7000-8000-00000000000c")!)
        session.kubectlSession = "run-c"
        return session
    }()

    /// The exec's frames: typed `ls`, its output, then 30 s of silence before the last line.
    static let execFrames = [
        SessionFrame(offset: 1_000, stream: .resize, bytes: Array(#"{"Width":100,"Height":30}"#.utf8), direction: .fromClient),
        SessionFrame(offset: s / 2, stream: .stdin, bytes: Array("ls\r".utf8), direction: .fromClient),
        SessionFrame(offset: 6 * s / 10, stream: .stdout, bytes: Array("ls\r\nfile-a\r\n".utf8), direction: .fromCluster),
        SessionFrame(offset: 30 * s + 6 * s / 10, stream: .stdout, bytes: Array("after-a-long-pause\r\n".utf8), direction: .fromCluster),
    ]

    static func request(_ verb: String, _ uri: String, user: String, cluster: String, at seconds: Double, stage: AuditEvent.Stage,
                        session: String, kubectlSession: String?, connection: String, code: Int32? = nil,
                        decision: AuditEvent.Decision = .allow, id: UUID) -> AuditEvent {
        let time = t0.addingTimeInterval(seconds)
        return AuditEvent(
            auditID: id, stage: stage, level: .requestResponse, verb: verb, requestURI: uri, user: UserInfo(username: user),
            responseStatus: code.map { ResponseStatus(code: $0) }, requestReceivedTimestamp: t0.addingTimeInterval(seconds.rounded(.down)),
            stageTimestamp: time, cluster: cluster, decision: decision, latencyMicroseconds: 10_000, bytesIn: 0,
            bytesOut: stage == .responseComplete ? 100 : 0, sessionID: session, connectionID: connection, kubectlSession: kubectlSession,
            kubectlCommand: kubectlSession == nil ? nil : "kubectl exec")
    }

    static var events: [AuditEvent] {
        let get = UUID(), execRequest = exec.auditID, create = UUID(), secret = UUID()
        var getDone = request("get", "/api/v1/namespaces/default/pods/web", user: "alice", cluster: "emu", at: 59, stage: .responseComplete,
                              session: "run-a", kubectlSession: "run-a", connection: "conn-a", code: 200, id: get)
        getDone.responseBody = Payload(contentType: "application/json", bytes: Array(#"{"kind":"Pod","metadata":{"name":"web"}}"#.utf8))
        var created = request("create", "/api/v1/namespaces/default/configmaps", user: "bob", cluster: "prod", at: 610.5, stage: .responseComplete,
                              session: "conn-b", kubectlSession: nil, connection: "conn-b", code: 201, id: create)
        created.requestBody = Payload(contentType: "application/json", bytes: Array(#"{"kind":"ConfigMap","data":{"k":"v"}}"#.utf8))
        var events = [
            request("get", "/api/v1/namespaces/default/pods/web", user: "alice", cluster: "emu", at: 58.99, stage: .requestReceived,
                    session: "run-a", kubectlSession: "run-a", connection: "conn-a", id: get),
            getDone,
            request("create", "/api/v1/namespaces/default/pods/web/exec?command=sh", user: "alice", cluster: "emu", at: 59.5,
                    stage: .requestReceived, session: exec.id, kubectlSession: "run-a", connection: "conn-a", id: execRequest),
            request("create", "/api/v1/namespaces/default/pods/web/exec?command=sh", user: "alice", cluster: "emu", at: 59.9,
                    stage: .responseStarted, session: exec.id, kubectlSession: "run-a", connection: "conn-a", code: 101, id: execRequest),
        ]
        events += exec.events(execFrames, exitCode: 3)
        events += attach.events([SessionFrame(offset: s / 10, stream: .stdout, bytes: Array("attached\r\n".utf8), direction: .fromCluster)], exitCode: nil)
        // As the proxy records a request body: on arrival, and again with the response.
        var arrived = request("create", "/api/v1/namespaces/default/configmaps", user: "bob", cluster: "prod", at: 610, stage: .requestReceived,
                              session: "conn-b", kubectlSession: nil, connection: "conn-b", id: create)
        arrived.requestBody = created.requestBody
        events += [
            arrived,
            created,
            request("get", "/api/v1/namespaces/default/secrets/db", user: "bob", cluster: "prod", at: 611, stage: .responseComplete,
                    session: "conn-b", kubectlSession: nil, connection: "conn-b", code: 403, decision: .deny, id: secret),
        ]
        // The live session: a start and a chunk, no end.
        let liveFrames = [SessionFrame(offset: s / 10, stream: .stdout, bytes: Array("still running\r\n".utf8), direction: .fromCluster)]
        events += [live.startEvent(), live.chunkEvent(FrameChunk(index: 0, firstOffset: s / 10, lastOffset: s / 10, frames: liveFrames))]
        return events.sorted { $0.stageTimestamp < $1.stageTimestamp }
    }
}
