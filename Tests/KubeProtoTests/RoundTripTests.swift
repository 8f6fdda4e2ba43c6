import Foundation
import KubeProto
import SwiftProtobuf
import Testing

@Suite struct RoundTripTests {
    static let names = RealisticObjects.all.map(\.name)

    static func object(_ name: String) -> String {
        RealisticObjects.all.first { $0.name == name }?.json ?? "{}"
    }

    @Test(arguments: names)
    func jsonToProtobufToJSONGivesTheSameObject(name: String) throws {
        let json = Array(Self.object(name).utf8)
        let protobuf = try KubernetesProtobuf.protobuf(fromJSON: json)
        #expect(KubernetesProtobuf.isEnvelope(protobuf))
        let back = try KubernetesProtobuf.json(fromProtobuf: protobuf)
        try expectSameJSON(back, json)
        // Encoding the output again gives the same bytes: the mapping is a fixed point.
        #expect(try KubernetesProtobuf.protobuf(fromJSON: back) == protobuf)
    }

    static let lists: [(list: String, apiVersion: String, item: String)] = [
        ("NamespaceList", "v1", "namespace"), ("PodList", "v1", "pod"), ("ServiceList", "v1", "service"),
        ("ConfigMapList", "v1", "configMap"), ("SecretList", "v1", "secret"),
        ("ServiceAccountList", "v1", "serviceAccount"), ("EventList", "v1", "event"),
        ("DeploymentList", "apps/v1", "deployment"),
    ]

    @Test(arguments: lists.map(\.list))
    func listsRoundTrip(list: String) throws {
        let entry = try #require(Self.lists.first { $0.list == list })
        let item = try withoutTypeMeta(Self.object(entry.item))
        let json = GoJSONValue.object([
            GoJSONMember("kind", .string(list)), GoJSONMember("apiVersion", .string(entry.apiVersion)),
            GoJSONMember("metadata", .object([GoJSONMember("resourceVersion", .string("30000")), GoJSONMember("continue", .string("abc"))])),
            GoJSONMember("items", .array([item, item])),
        ]).jsonBytes
        let protobuf = try KubernetesProtobuf.protobuf(fromJSON: json)
        try expectSameJSON(try KubernetesProtobuf.json(fromProtobuf: protobuf), json)
    }

    @Test func emptyListHasNullItemsLikeGo() throws {
        // `Items []Pod json:"items"` has no omitempty: Go writes null for a nil slice.
        let protobuf = try KubernetesProtobuf.protobuf(fromJSON: Array(#"{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]}"#.utf8))
        let json = try KubernetesProtobuf.jsonValue(fromProtobuf: protobuf)
        #expect(json["items"] == .null)
        #expect(json["metadata"] == .object([]))
    }

    @Test func watchEventCarriesItsObjectAsANestedEnvelope() throws {
        let pod = try GoJSONValue.parse(Array(Self.object("pod").utf8))
        let event = GoJSONValue.object([GoJSONMember("type", .string("ADDED")), GoJSONMember("object", pod)])
        let protobuf = try KubernetesProtobuf.protobuf(fromJSON: event, apiVersion: "v1", kind: "WatchEvent")

        let envelope = try KubernetesProtobuf.unwrap(protobuf)
        #expect(envelope.kind == "WatchEvent")
        let watchEvent = try MetaV1_WatchEvent(serializedBytes: envelope.raw)
        #expect(watchEvent.type == "ADDED")
        let nested = try KubernetesProtobuf.unwrap(Array(watchEvent.object.raw))
        #expect(nested.apiVersion == "v1" && nested.kind == "Pod")

        // Go's WatchEvent has no TypeMeta, so its JSON is just {type, object}.
        let back = try KubernetesProtobuf.json(fromProtobuf: protobuf)
        try expectSameJSON(back, event.jsonBytes)
    }

    @Test func watchEventWithAnUnsupportedObjectKeepsItsJSON() throws {
        let object = #"{"kind":"Widget","apiVersion":"example.com/v1","metadata":{"name":"w"},"spec":{"size":3}}"#
        let event = #"{"type":"MODIFIED","object":\#(object),"kind":"WatchEvent","apiVersion":"v1"}"#
        let protobuf = try KubernetesProtobuf.protobuf(fromJSON: Array(event.utf8))
        let watchEvent = try MetaV1_WatchEvent(serializedBytes: try KubernetesProtobuf.unwrap(protobuf).raw)
        try expectSameJSON(Array(watchEvent.object.raw), Array(object.utf8))
        let back = try KubernetesProtobuf.jsonValue(fromProtobuf: protobuf)
        #expect(back["object"]?["spec"]?["size"] == .number("3"))
    }

    @Test func v1ListOfMixedKindsRoundTrips() throws {
        let items = [Self.object("namespace"), Self.object("deployment"), Self.object("status")]
        let json = #"{"kind":"List","apiVersion":"v1","metadata":{},"items":[\#(items.joined(separator: ","))]}"#
        let protobuf = try KubernetesProtobuf.protobuf(fromJSON: Array(json.utf8))
        let list = try MetaV1_List(serializedBytes: try KubernetesProtobuf.unwrap(protobuf).raw)
        #expect(list.items.count == 3)
        #expect(list.items.allSatisfy { KubernetesProtobuf.isEnvelope(Array($0.raw)) })
        try expectSameJSON(try KubernetesProtobuf.json(fromProtobuf: protobuf), Array(json.utf8))
    }

    @Test func outputKeepsGoFieldOrder() throws {
        // kubectl's -o json prints Go's struct order (kind before apiVersion, metadata.name first).
        for name in Fixtures.names {
            let decoded = try KubernetesProtobuf.jsonValue(fromProtobuf: try Fixtures.bytes(name, "body"))
            let expected = try GoJSONValue.parse(try Fixtures.bytes(name, "json"))
            #expect(decoded == expected, "\(name)")
        }
    }
}
