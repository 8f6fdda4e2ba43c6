import NIOCore
import PostgresNIO

/// A one-dimensional PostgreSQL array whose elements may be NULL (postgres-nio's arrays cannot).
///
/// Binds a column of a batch for `INSERT … SELECT * FROM UNNEST($1::text[], …)`.
struct NullableArray<Element: PostgresArrayEncodable & PostgresNonThrowingEncodable & Sendable>: PostgresNonThrowingEncodable, Sendable {
    var elements: [Element?]

    init(_ elements: [Element?] = []) { self.elements = elements }

    static var psqlType: PostgresDataType { Element.psqlArrayType }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger(elements.isEmpty ? 0 : 1, as: Int32.self)  // dimensions
        buffer.writeInteger(elements.contains(where: { $0 == nil }) ? 1 : 0, as: Int32.self)  // has nulls
        buffer.writeInteger(Element.psqlType.rawValue)
        guard !elements.isEmpty else { return }
        buffer.writeInteger(Int32(elements.count))
        buffer.writeInteger(1, as: Int32.self)  // lower bound
        for element in elements {
            if let element {
                let lengthIndex = buffer.writerIndex
                buffer.writeInteger(0, as: Int32.self)
                let start = buffer.writerIndex
                element.encode(into: &buffer, context: context)
                buffer.setInteger(Int32(buffer.writerIndex - start), at: lengthIndex)
            } else {
                buffer.writeInteger(-1, as: Int32.self)
            }
        }
    }
}

/// Writes a PostgreSQL array literal (`{"a","b\"c"}`) for a `text[]` column bound inside a
/// `text[]` batch column, where arrays of arrays cannot be unnested row by row.
func postgresArrayLiteral(_ strings: [String]) -> String {
    var literal = "{"
    for (i, s) in strings.enumerated() {
        if i > 0 { literal += "," }
        literal += "\""
        for ch in s.unicodeScalars {
            if ch == "\"" || ch == "\\" { literal += "\\" }
            literal.unicodeScalars.append(ch)
        }
        literal += "\""
    }
    return literal + "}"
}
