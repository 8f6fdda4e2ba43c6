// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "kubetrail",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kubetrail", targets: ["kubetrail"]),
        .library(name: "Audit", targets: ["Audit"]),
        .library(name: "KubeAPI", targets: ["KubeAPI"]),
        .executable(name: "kube-emulator", targets: ["kube-emulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // System zlib (zlib1g-dev): we need deflateSetDictionary and reusable streams.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "Audit",
            dependencies: [
                "CZlib",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "kubetrail",
            dependencies: [
                "Audit",
                "Replay",
                "SessionRecording",
                "CertificateAuthority",
                "Proxy",
                "ProxyConfiguration",
                "ProxyIdentity",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // Deterministic, realistic audit events for tests and benchmarks.
        .target(name: "AuditSynthetic", dependencies: ["Audit", "SessionRecording"]),
        // Replay of recorded sessions: the chunk reader (seeks through the chunk index), the
        // player's clock and keys (pure), transcript, asciicast v2, JSON frames, API timelines.
        .target(
            name: "Replay",
            dependencies: ["Audit", "KubeAPI", "KubeProto", "SessionRecording", .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        .testTarget(name: "ReplayTests", dependencies: ["Replay", "Audit", "SessionRecording", "KubeAPI", "KubeProto"]),
        .executableTarget(
            name: "kubetrail-bench",
            dependencies: [
                "Audit",
                "AuditSynthetic",
                "SessionRecording",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "tools/kubetrail-bench"
        ),
        // Kubernetes wire knowledge shared by the proxy and the emulator: request info, Status,
        // media types, JSON, selectors.
        .target(name: "KubeAPI"),
        // Running a pod's command for exec/attach: fork/exec in C (async-signal-safe), and the
        // channel.k8s.io remotecommand protocol over WebSocket.
        .target(name: "CPodProcess"),
        .target(
            name: "PodExec",
            dependencies: [
                "CPodProcess",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        // SPDY/3.1 as Kubernetes uses it (moby/spdystream): frames, header compression, a pure
        // session state machine and its NIO handler.
        .target(
            name: "SPDY",
            dependencies: [
                "CZlib",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        // Session recording: pure parsers of upgraded exec/attach/port-forward byte streams
        // (WebSocket channel.k8s.io, SPDY, SPDY in WebSocket), frame chunks and their encoding.
        .target(
            name: "SessionRecording",
            dependencies: ["SPDY", "KubeAPI", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "SessionRecordingTests",
            dependencies: ["SessionRecording", "SPDY", "KubetrailTestSupport", .product(name: "NIOCore", package: "swift-nio")],
            resources: [.copy("Fixtures")]
        ),
        // Kubernetes protobuf bodies: messages generated from the upstream .proto files
        // (tools/generate-kube-proto) and a transcoder to and from Kubernetes JSON.
        .target(
            name: "KubeProto",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // The Kubernetes API server emulator behind end-to-end tests, benchmarks and the quickstart.
        .target(
            name: "KubeEmulator",
            dependencies: [
                "KubeAPI",
                "KubeProto",
                "SPDY",
                "PodExec",
                "CZlib",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "kube-emulator",
            dependencies: [
                "KubeAPI",
                "KubeEmulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "tools/kube-emulator"
        ),
        // The Kubetrail CA: short-lived user certificates, the proxy's server certificate, kubeconfigs.
        .target(
            name: "CertificateAuthority",
            dependencies: [
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "CertificateAuthorityTests",
            dependencies: [
                "CertificateAuthority",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The proxy's configuration file, its policy engine and its audit levels (pure).
        .target(name: "ProxyConfiguration", dependencies: [.product(name: "Yams", package: "Yams")]),
        .testTarget(name: "ProxyConfigurationTests", dependencies: ["ProxyConfiguration"]),
        // Who a caller is: client certificates, OIDC JWTs, and the headers sent upstream in their name.
        .target(
            name: "ProxyIdentity",
            dependencies: [
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ]
        ),
        .testTarget(
            name: "ProxyIdentityTests",
            dependencies: [
                "ProxyIdentity",
                "KubetrailTestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ]
        ),
        // The proxy daemon: listener, routing, authorization, forwarding, audit.
        .target(
            name: "Proxy",
            dependencies: [
                "Audit",
                "SessionRecording",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOTLS", package: "swift-nio"),
                "KubeAPI",
                "KubeProto",
                "ProxyIdentity",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "ProxyTests", dependencies: ["Proxy", "Audit", "KubeAPI", "KubetrailTestSupport", .product(name: "NIOEmbedded", package: "swift-nio")]),
        .testTarget(
            name: "ProxyEndToEndTests",
            dependencies: [
                "KubeAPI",
                "KubetrailTestSupport",
                // Test-made OIDC tokens, and a small HTTPS server that publishes their JWKS.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(name: "KubeAPITests", dependencies: ["KubeAPI"]),
        .testTarget(
            name: "PodExecTests",
            dependencies: [
                "PodExec",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SPDYTests",
            dependencies: [
                "SPDY",
                "KubetrailTestSupport",
                "CZlib",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            exclude: ["Vectors"]
        ),
        .testTarget(
            name: "KubeProtoTests",
            dependencies: ["KubeProto", "KubetrailTestSupport", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            resources: [.copy("Fixtures")]
        ),
        // What the end-to-end tests share: child processes, a running emulator.
        .target(name: "KubetrailTestSupport", dependencies: ["KubeAPI", "AuditSynthetic"], path: "Tests/Support"),
        .testTarget(
            name: "KubeEmulatorTests",
            dependencies: ["KubeAPI", "KubeEmulator", "KubetrailTestSupport"],
            exclude: ["Clients"]
        ),
        .testTarget(
            name: "AuditTests",
            dependencies: [
                "Audit",
                "KubetrailTestSupport",
                "AuditSynthetic",
                // Sessions and replay end to end: recordings written through the pipeline, read back.
                "SessionRecording",
                "Replay",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ]
)
