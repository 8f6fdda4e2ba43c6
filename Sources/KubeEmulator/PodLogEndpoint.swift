import KubeAPI

/// `GET …/pods/NAME/log` with `container`, `follow`, `tailLines`, `limitBytes` and `timestamps`.
extension EmulatedAPIServer {
    func podLog(_ request: EmulatorRequest) async throws -> EmulatorResponse {
        let info = request.info
        let pod = try await store.get(ResourceCatalog.pods, namespace: info.namespace, name: info.name)
        let containers = (pod[path: ["spec", "containers"]]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        let container: String
        if let wanted = request.queryValue("container"), !wanted.isEmpty {
            guard containers.contains(wanted) else {
                throw KubernetesStatus.badRequest("container \(wanted) is not valid for pod \(info.name)")
            }
            container = wanted
        } else if containers.count == 1 {
            container = containers[0]
        } else {
            throw KubernetesStatus.badRequest(
                "a container name must be specified for pod \(info.name), choose one of: [\(containers.joined(separator: " "))]")
        }
        if pod[path: ["status", "phase"]]?.stringValue != "Running" {
            throw KubernetesStatus.badRequest(
                "container \"\(container)\" in pod \"\(info.name)\" is waiting to start: ContainerCreating")
        }
        var tail: Int?
        if let text = request.queryValue("tailLines") {
            guard let value = Int(text), value >= 0 else { throw KubernetesStatus.badRequest("tailLines must be a non-negative integer") }
            tail = value
        }
        var limitBytes: Int?
        if let text = request.queryValue("limitBytes") {
            guard let value = Int(text), value > 0 else { throw KubernetesStatus.badRequest("limitBytes must be a positive integer") }
            limitBytes = value
        }
        let size = pod[path: ["metadata", "annotations", EmulatorOptions.logBytesAnnotation]]?.stringValue.flatMap { Int($0) }
            ?? options.logBytes
        let generator = PodLogGenerator(pod: info.name, container: container, bytes: size)
        let timestamps = request.queryFlag("timestamps")
        let follow = request.queryFlag("follow")
        let started = pod[path: ["status", "startTime"]]?.stringValue.flatMap(KubernetesTime.parse) ?? KubernetesTime.nowMicroseconds()
        let first = tail.map { max(0, generator.lineCount - $0) } ?? 0
        let interval = options.logFollowInterval
        let store = self.store
        let uid = pod[path: ["metadata", "uid"]]?.stringValue
        let namespace = info.namespace
        let name = info.name
        let byteLimit = limitBytes
        return .stream(status: 200, headers: [("content-type", "text/plain")]) { writer in
            var budget = byteLimit ?? Int.max
            func send(_ bytes: [UInt8]) async throws -> Bool {
                if bytes.count >= budget {
                    try await writer.write(Array(bytes.prefix(budget)))
                    budget = 0
                    return false
                }
                budget -= bytes.count
                try await writer.write(bytes)
                return true
            }
            let linesPerChunk = 64 * 1024 / PodLogGenerator.lineWidth
            var index = first
            let stamp: ((Int) -> String)? = timestamps ? { KubernetesTime.rfc3339Nano(microseconds: started + Int64($0) * 1000) } : nil
            while index < generator.lineCount {
                let end = min(generator.lineCount, index + linesPerChunk)
                var chunk: [UInt8] = []
                generator.append(lines: index..<end, to: &chunk, timestamp: stamp)
                if try await !send(chunk) { return }
                index = end
            }
            guard follow else { return }
            var next = generator.lineCount
            while true {
                try await Task.sleep(for: interval)
                guard let current = try? await store.get(ResourceCatalog.pods, namespace: namespace, name: name),
                    current[path: ["metadata", "uid"]]?.stringValue == uid
                else { return }
                var chunk: [UInt8] = []
                let now = KubernetesTime.nowMicroseconds()
                generator.append(lines: next..<(next + 1), to: &chunk, timestamp: timestamps ? { _ in KubernetesTime.rfc3339Nano(microseconds: now) } : nil)
                if try await !send(chunk) { return }
                next += 1
            }
        }
    }
}
