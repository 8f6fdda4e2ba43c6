import Foundation
import SwiftProtobuf

/// The apimachinery types whose JSON form is hand-written in Go (custom MarshalJSON /
/// UnmarshalJSON), and their Go protobuf forms.
enum KubeSpecialType {
    /// metav1.Time: RFC 3339 seconds; protobuf {seconds, nanos=0}; zero is `null` / an empty message.
    case time
    /// metav1.MicroTime: RFC 3339 with 6 fractional digits; protobuf {seconds, nanos}.
    case microTime
    /// intstr.IntOrString: a bare number or string; protobuf {type, intVal, strVal}.
    case intOrString
    /// resource.Quantity: its string; protobuf {string}.
    case quantity
    /// runtime.RawExtension: embedded JSON; protobuf {raw}, which may hold a nested envelope.
    case rawExtension
    /// metav1.FieldsV1: the JSON object its raw bytes hold.
    case fieldsV1

    init?(protoName: String) {
        switch protoName {
        case MetaV1_Time.protoMessageName: self = .time
        case MetaV1_MicroTime.protoMessageName: self = .microTime
        case IntStr_IntOrString.protoMessageName: self = .intOrString
        case Resource_Quantity.protoMessageName: self = .quantity
        case Runtime_RawExtension.protoMessageName: self = .rawExtension
        case MetaV1_FieldsV1.protoMessageName: self = .fieldsV1
        default: return nil
        }
    }

    /// Go's JSON for the zero value of a non-pointer field of this type.
    var zeroJSON: GoJSONValue {
        switch self {
        case .time, .microTime, .rawExtension, .fieldsV1: .null
        case .intOrString: .number("0")
        case .quantity: .string("0")
        }
    }

    // MARK: protobuf -> JSON

    func renderJSON(_ message: any SwiftProtobuf.Message, path: String, renderer: KubeJSONRenderer)
        throws(KubernetesProtobufError) -> GoJSONValue
    {
        switch (self, message) {
        case (.time, let time as MetaV1_Time):
            // Go drops the nanoseconds of a Time read from protobuf.
            return try Self.timeJSON(time.hasSeconds || time.hasNanos, time.seconds, 0, micro: false, path: path)
        case (.microTime, let time as MetaV1_MicroTime):
            return try Self.timeJSON(
                time.hasSeconds || time.hasNanos, time.seconds, Int64(time.nanos), micro: true, path: path)
        case (.intOrString, let value as IntStr_IntOrString):
            switch value.type {
            case 0: return .number(String(value.intVal))
            case 1: return .string(value.strVal)
            default:
                throw KubernetesProtobufError(.invalidValue, path: path, "IntOrString has impossible type \(value.type)")
            }
        case (.quantity, let quantity as Resource_Quantity):
            guard KubeQuantity.isValid(quantity.string) else {
                throw KubernetesProtobufError(.invalidValue, path: path, "invalid quantity \"\(quantity.string)\"")
            }
            return .string(quantity.string)
        case (.rawExtension, let raw as Runtime_RawExtension):
            return try Self.embeddedJSON(Array(raw.raw), path: path, renderer: renderer)
        case (.fieldsV1, let fields as MetaV1_FieldsV1):
            return try Self.embeddedJSON(Array(fields.raw), path: path, renderer: nil)
        default:
            throw KubernetesProtobufError(.unsupportedKind, path: path, "unexpected message \(type(of: message))")
        }
    }

    private static func timeJSON(_ isSet: Bool, _ seconds: Int64, _ nanos: Int64, micro: Bool, path: String)
        throws(KubernetesProtobufError) -> GoJSONValue
    {
        guard isSet else { return .null }
        // time.Unix(seconds, nanos) normalizes nanos outside [0, 1e9).
        let carry = nanos >= 0 ? nanos / 1_000_000_000 : -((-nanos + 999_999_999) / 1_000_000_000)
        let (total, overflow) = seconds.addingReportingOverflow(carry)
        let fraction = nanos - carry * 1_000_000_000
        if !overflow, total == KubeTime.goZeroUnixSeconds, fraction == 0 { return .null }
        guard !overflow,
            let text = KubeTime.format(unixSeconds: total, microseconds: micro ? Int32(fraction / 1000) : nil)
        else {
            throw KubernetesProtobufError(.invalidValue, path: path, "time \(seconds)s is outside years 0000-9999")
        }
        return .string(text)
    }

    /// Raw bytes that hold JSON, or (in a RawExtension) a nested protobuf envelope.
    private static func embeddedJSON(_ raw: [UInt8], path: String, renderer: KubeJSONRenderer?)
        throws(KubernetesProtobufError) -> GoJSONValue
    {
        if raw.isEmpty { return .null }
        if let renderer, KubernetesProtobuf.isEnvelope(raw) {
            let nested = KubeObjectTranscoder(rejectUnknownFields: true, envelopeDepth: renderer.envelopeDepth + 1)
            return try nested.jsonValue(fromEnvelope: raw, path: path)
        }
        do {
            return try JSONParser.parse(raw)
        } catch {
            throw KubernetesProtobufError(.invalidValue, path: path, "embedded object is not JSON: \(error.message)")
        }
    }

    // MARK: JSON -> protobuf

    /// Builds the message from JSON (`nil` for Go's zero value), as Go's protobuf marshaller writes it.
    func message<M: SwiftProtobuf.Message>(_: M.Type, from json: GoJSONValue?, path: String, reader: KubeJSONMessageReader)
        throws(KubernetesProtobufError) -> M
    {
        let built: any SwiftProtobuf.Message
        switch self {
        case .time, .microTime:
            built = try Self.timeMessage(from: json, micro: self == .microTime, path: path)
        case .intOrString:
            var value = IntStr_IntOrString()
            value.type = 0
            value.intVal = 0
            value.strVal = ""
            switch json {
            case nil: break
            case .string(let text)?:
                value.type = 1
                value.strVal = text
            case .number(let text)?:
                guard let number = Int32(text) else {
                    throw KubernetesProtobufError(.wrongType, path: path, "expected int32 or string, got number \(text)")
                }
                value.intVal = number
            case let other?:
                throw KubernetesProtobufError(.wrongType, path: path, "expected int or string, got JSON \(other.typeDescription)")
            }
            built = value
        case .quantity:
            var text = "0"
            switch json {
            case nil: break
            case .string(let string)?: text = string.trimmingCharacters(in: .whitespaces)
            case .number(let number)?: text = number
            case let other?:
                throw KubernetesProtobufError(.wrongType, path: path, "expected quantity string, got JSON \(other.typeDescription)")
            }
            guard KubeQuantity.isValid(text) else {
                throw KubernetesProtobufError(.invalidValue, path: path, "invalid quantity \"\(text)\"")
            }
            var quantity = Resource_Quantity()
            quantity.string = text
            built = quantity
        case .rawExtension:
            var raw = Runtime_RawExtension()
            if let json { raw.raw = Data(try reader.embeddedBytes(json, path: path)) }
            built = raw
        case .fieldsV1:
            var fields = MetaV1_FieldsV1()
            if let json { fields.raw = Data(JSONWriter.bytes(json)) }
            built = fields
        }
        guard let result = built as? M else {
            throw KubernetesProtobufError(.unsupportedKind, path: path, "unexpected message type \(M.self)")
        }
        return result
    }

    private static func timeMessage(from json: GoJSONValue?, micro: Bool, path: String)
        throws(KubernetesProtobufError) -> any SwiftProtobuf.Message
    {
        var seconds: Int64 = 0
        var nanos: Int32 = 0
        switch json {
        case nil:
            break
        case .string(let text)?:
            guard let parsed = KubeTime.parse(text, requireMicroseconds: micro) else {
                let layout = micro ? "RFC 3339 with 6 fractional digits" : "RFC 3339"
                throw KubernetesProtobufError(.invalidValue, path: path, "invalid time \"\(text)\" (expected \(layout))")
            }
            seconds = parsed.seconds
            nanos = micro ? parsed.nanos / 1000 * 1000 : 0
        case let other?:
            throw KubernetesProtobufError(.wrongType, path: path, "expected time string, got JSON \(other.typeDescription)")
        }
        let isZero = json == nil || (seconds == KubeTime.goZeroUnixSeconds && nanos == 0)
        if micro {
            var time = MetaV1_MicroTime()
            if !isZero {
                time.seconds = seconds
                time.nanos = nanos
            }
            return time
        }
        var time = MetaV1_Time()
        if !isZero {
            time.seconds = seconds
            time.nanos = 0
        }
        return time
    }
}
