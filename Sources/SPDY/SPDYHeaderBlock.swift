import NIOCore

/// A SPDY/3 name/value header block: lower-case names, each with one or more values.
///
/// On the wire (before compression) it is a 32-bit pair count, then per pair a 32-bit name
/// length, the name, a 32-bit value length and the value, where several values of one name
/// are joined with NUL bytes. Names are unique and lower case; this type lower-cases names
/// on insertion (as spdystream does on write) and keeps the wire order.
public struct SPDYHeaderBlock: Hashable, Sendable, CustomStringConvertible {
    /// One name with all its values.
    public struct Field: Hashable, Sendable {
        public var name: String
        public var values: [String]

        public init(name: String, values: [String]) {
            self.name = name
            self.values = values
        }
    }

    /// The fields in wire order, one per distinct name.
    public private(set) var fields: [Field]

    /// An empty block (what Kubernetes servers send in every SYN_REPLY).
    public init() {
        self.fields = []
    }

    /// A block from name/value pairs; repeated names (in any case) merge into one field.
    public init(_ pairs: [(String, String)]) {
        self.fields = []
        for (name, value) in pairs {
            add(name, value)
        }
    }

    /// The number of distinct names.
    public var count: Int { fields.count }

    public var isEmpty: Bool { fields.isEmpty }

    /// The first value of `name` (matched case-insensitively), as Go's `http.Header.Get`.
    public subscript(name: String) -> String? {
        values(for: name).first
    }

    /// Every value of `name` (matched case-insensitively).
    public func values(for name: String) -> [String] {
        let key = Self.lowercased(name)
        return fields.first { $0.name == key }?.values ?? []
    }

    /// Appends a value to `name`, creating the field if it is new.
    public mutating func add(_ name: String, _ value: String) {
        let key = Self.lowercased(name)
        if let index = fields.firstIndex(where: { $0.name == key }) {
            fields[index].values.append(value)
        } else {
            fields.append(Field(name: key, values: [value]))
        }
    }

    /// Sets `name` to exactly one value, as Go's `http.Header.Set`.
    public mutating func replaceOrAdd(_ name: String, _ value: String) {
        let key = Self.lowercased(name)
        if let index = fields.firstIndex(where: { $0.name == key }) {
            fields[index].values = [value]
        } else {
            fields.append(Field(name: key, values: [value]))
        }
    }

    public var description: String {
        "[" + fields.map { "\($0.name): \($0.values.joined(separator: ", "))" }.joined(separator: "; ") + "]"
    }

    /// ASCII lower-casing, as the spec defines names in US-ASCII.
    static func lowercased(_ name: String) -> String {
        guard name.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return name }
        return String(decoding: name.utf8.map { ($0 >= 0x41 && $0 <= 0x5A) ? $0 + 0x20 : $0 }, as: UTF8.self)
    }
}

extension SPDYHeaderBlock: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }
}

// MARK: - Wire form (uncompressed)

extension SPDYHeaderBlock {
    /// Writes the uncompressed name/value block.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt32(fields.count))
        for field in fields {
            buffer.writeInteger(UInt32(field.name.utf8.count))
            buffer.writeString(field.name)
            let value = field.values.joined(separator: "\u{0}")
            buffer.writeInteger(UInt32(value.utf8.count))
            buffer.writeString(value)
        }
    }

    /// Reads an uncompressed name/value block that must fill `buffer` exactly.
    ///
    /// Rejects what the spec calls illegal and Go's spdystream also refuses: empty names,
    /// names that are not lower case, duplicate names, truncation and trailing bytes. Values
    /// are split at NUL like spdystream does (no check that each is non-empty).
    /// The thrown `SPDYError` has no stream; the caller attaches it.
    public static func decode(_ buffer: ByteBuffer) throws(SPDYError) -> SPDYHeaderBlock {
        var buffer = buffer
        guard let pairCount = buffer.readInteger(as: UInt32.self) else {
            throw SPDYError(.invalidHeaderBlock("\(buffer.readableBytes) bytes cannot hold the 4-byte pair count"))
        }
        // Each pair takes at least 8 bytes, so a count beyond that is a lie (and no reason to
        // reserve memory for it).
        guard Int(pairCount) <= buffer.readableBytes / 8 else {
            throw SPDYError(.invalidHeaderBlock("pair count \(pairCount) does not fit in \(buffer.readableBytes) bytes"))
        }
        var block = SPDYHeaderBlock()
        block.fields.reserveCapacity(Int(pairCount))
        var seen = Set<String>()
        for index in 0..<Int(pairCount) {
            let name = try readString(&buffer, what: "name of pair \(index)")
            guard !name.isEmpty else {
                throw SPDYError(.invalidHeaderBlock("pair \(index) has an empty name"))
            }
            guard lowercased(name) == name else {
                throw SPDYError(.invalidHeaderBlock("header name \"\(name)\" is not lower case"))
            }
            guard seen.insert(name).inserted else {
                throw SPDYError(.invalidHeaderBlock("header name \"\(name)\" appears twice"))
            }
            let value = try readString(&buffer, what: "value of \"\(name)\"")
            let values = value.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
            block.fields.append(Field(name: name, values: values))
        }
        guard buffer.readableBytes == 0 else {
            throw SPDYError(.invalidHeaderBlock("\(buffer.readableBytes) bytes follow the last pair"))
        }
        return block
    }

    private static func readString(_ buffer: inout ByteBuffer, what: String) throws(SPDYError) -> String {
        guard let length = buffer.readInteger(as: UInt32.self) else {
            throw SPDYError(.invalidHeaderBlock("block ends before the length of the \(what)"))
        }
        guard Int(length) <= buffer.readableBytes else {
            throw SPDYError(.invalidHeaderBlock("\(what) claims \(length) bytes, \(buffer.readableBytes) remain"))
        }
        return buffer.readString(length: Int(length))!
    }
}
