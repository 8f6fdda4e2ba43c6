import KubeAPI

/// A container's deterministic log: fixed-width numbered lines, so any size (a 1 GB stream for a
/// benchmark) is produced fast, and tails and sizes are exact and checkable.
public struct PodLogGenerator: Sendable {
    /// Bytes per line, the newline included.
    public static let lineWidth = 100
    public let lineCount: Int
    private let template: [UInt8]
    private static let numberOffset = 5
    private static let numberWidth = 10

    /// The log of `container` in `pod`, about `bytes` long (whole lines, at least one).
    public init(pod: String, container: String, bytes: Int) {
        lineCount = max(1, bytes / Self.lineWidth)
        var text = Array("line 0000000000 pod=\(pod) container=\(container) the quick brown fox jumps over the lazy dog".utf8)
        if text.count > Self.lineWidth - 1 { text = Array(text.prefix(Self.lineWidth - 1)) }
        while text.count < Self.lineWidth - 1 { text.append(UInt8(ascii: ".")) }
        text.append(0x0A)
        template = text
    }

    /// Line `index` (0-based), newline included.
    public func line(_ index: Int) -> [UInt8] {
        var line = template
        Self.writeNumber(index, into: &line)
        return line
    }

    /// Appends lines `range` to `output`, each prefixed by `timestamp(index) + " "` when given.
    public func append(lines range: Range<Int>, to output: inout [UInt8], timestamp: ((Int) -> String)? = nil) {
        output.reserveCapacity(output.count + range.count * (Self.lineWidth + (timestamp == nil ? 0 : 32)))
        for index in range {
            if let timestamp {
                output.append(contentsOf: timestamp(index).utf8)
                output.append(0x20)
            }
            let start = output.count
            output.append(contentsOf: template)
            output.withUnsafeMutableBufferPointer { buffer in
                var value = index
                var position = start + Self.numberOffset + Self.numberWidth - 1
                for _ in 0..<Self.numberWidth {
                    buffer[position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                    position -= 1
                }
            }
        }
    }

    private static func writeNumber(_ value: Int, into line: inout [UInt8]) {
        var value = value
        var position = numberOffset + numberWidth - 1
        for _ in 0..<numberWidth {
            line[position] = UInt8(ascii: "0") + UInt8(value % 10)
            value /= 10
            position -= 1
        }
    }
}
