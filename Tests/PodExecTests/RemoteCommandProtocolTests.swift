import Testing

@testable import PodExec

@Suite struct RemoteCommandProtocolTests {
    @Test func kubectlOffersV5Only() {
        #expect(RemoteCommandProtocol.negotiate(offered: ["v5.channel.k8s.io"], supported: [.v5, .v4]) == .v5)
    }

    @Test func clientOrderWins() {
        let chosen = RemoteCommandProtocol.negotiate(
            offered: ["v4.channel.k8s.io, v5.channel.k8s.io"],
            supported: [.v5, .v4]
        )
        #expect(chosen == .v4)
    }

    @Test func repeatedHeadersAndSpaces() {
        let chosen = RemoteCommandProtocol.negotiate(
            offered: ["base64.channel.k8s.io", " \tv5.channel.k8s.io ,x"],
            supported: [.v5]
        )
        #expect(chosen == .v5)
    }

    @Test func refusesUnsupportedAndEmpty() {
        #expect(RemoteCommandProtocol.negotiate(offered: [], supported: [.v5, .v4]) == nil)
        #expect(RemoteCommandProtocol.negotiate(offered: [""], supported: [.v5, .v4]) == nil)
        #expect(RemoteCommandProtocol.negotiate(offered: ["v3.channel.k8s.io"], supported: [.v5, .v4]) == nil)
        #expect(RemoteCommandProtocol.negotiate(offered: ["channel.k8s.io"], supported: [.v5, .v4]) == nil)
        // Kubernetes compares exactly: case matters.
        #expect(RemoteCommandProtocol.negotiate(offered: ["V5.channel.k8s.io"], supported: [.v5]) == nil)
        #expect(RemoteCommandProtocol.negotiate(offered: ["channel.k8s.io"], supported: [.v1]) == .v1)
    }

    @Test func versionFeatures() {
        #expect(RemoteCommandProtocol.v5.supportsStreamClose)
        #expect(!RemoteCommandProtocol.v4.supportsStreamClose)
        #expect(RemoteCommandProtocol.v4.carriesStatusObject)
        #expect(!RemoteCommandProtocol.v1.carriesStatusObject)
        #expect(RemoteCommandProtocol(name: "v4.channel.k8s.io") == .v4)
        #expect(RemoteCommandProtocol(name: "v6.channel.k8s.io") == nil)
    }

    @Test func optionsFollowKubelet() {
        let tty = RemoteCommandOptions(stdin: true, stdout: true, stderr: true, tty: true)
        #expect(!tty.stderr)
        #expect(tty.isValid)
        #expect(!RemoteCommandOptions(stdin: false, stdout: false, stderr: false, tty: false).isValid)
        #expect(RemoteCommandOptions(stdin: true, stdout: false, stderr: true, tty: false).firstWritableStream == .stderr)
        #expect(RemoteCommandOptions(stdin: true, stdout: false, stderr: false, tty: false).firstWritableStream == .error)
        let noStdin = RemoteCommandOptions(stdin: false, stdout: true, stderr: false, tty: false)
        #expect(!noStdin.accepts(.stdin))
        #expect(noStdin.accepts(.resize))
        #expect(!noStdin.emits(.stderr))
        #expect(noStdin.emits(.error))
    }
}
