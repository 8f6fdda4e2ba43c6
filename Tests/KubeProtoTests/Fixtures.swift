import Foundation
import KubeProto
import Testing

/// Bodies recorded from the real kubectl v1.32.4 by tools/record-kubectl-bodies.
enum Fixtures {
    /// Every recorded command: `<name>.body` is the request body, `<name>.json` what
    /// `kubectl ... --dry-run=client -o json` printed for the same command.
    static let names = [
        "namespace", "secret-generic", "configmap", "deployment", "deployment-replicas-port",
        "service-clusterip", "service-nodeport", "serviceaccount", "secret-docker-registry",
    ]

    static func bytes(_ name: String, _ ext: String) throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures") else {
            throw FixtureMissing(name: "\(name).\(ext)")
        }
        return Array(try Data(contentsOf: url))
    }

    struct FixtureMissing: Error {
        let name: String
    }
}

/// Parses JSON text into a comparable value (members sorted, numbers canonical).
func parsedJSON(_ bytes: [UInt8]) throws -> GoJSONValue {
    try GoJSONValue.parse(bytes).normalized
}

func parsedJSON(_ text: String) throws -> GoJSONValue {
    try parsedJSON(Array(text.utf8))
}

/// Expects two JSON documents to mean the same (members compared regardless of order); on a
/// mismatch, reports both as compact text.
func expectSameJSON(
    _ actual: [UInt8],
    _ expected: [UInt8],
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws {
    let actualValue = try parsedJSON(actual)
    let expectedValue = try parsedJSON(expected)
    if actualValue != expectedValue {
        Issue.record(
            "JSON differs.\nactual:   \(String(decoding: actualValue.jsonBytes, as: UTF8.self))\nexpected: \(String(decoding: expectedValue.jsonBytes, as: UTF8.self))",
            sourceLocation: sourceLocation
        )
    }
}

/// `json` without its top-level `kind` and `apiVersion` (how list items look).
func withoutTypeMeta(_ json: String) throws -> GoJSONValue {
    guard case .object(let members) = try GoJSONValue.parse(Array(json.utf8)) else { throw NotAnObject() }
    return .object(members.filter { $0.key != "kind" && $0.key != "apiVersion" })
}

struct NotAnObject: Error {}
