/// A stored row's `extras` (the layout `AuditRowExtras` writes), located in place: slices of the
/// record's bytes rather than Strings and dictionaries, for the formats that print them.
///
/// `init` walks and bounds-checks the whole value, so reading a located part again
/// (`CanonicalByteCursor` over `userExtra`, say) cannot fail on a well-formed row.
struct StoredExtras {
    /// `map<str, list<str>>`: the user's extra attributes, keys in UTF-8 order.
    var userExtra: UnsafeRawBufferPointer
    /// The impersonated user (`str username ‖ opt<str> uid ‖ list<str> groups ‖ map<str,list<str>> extra`), if any.
    var impersonatedUser: UnsafeRawBufferPointer?
    var hasObjectRef: Bool
    var status: UnsafeRawBufferPointer?
    var reason: UnsafeRawBufferPointer?
    var message: UnsafeRawBufferPointer?
    /// `map<str, str>`: the event's own annotations, keys in UTF-8 order.
    var annotations: UnsafeRawBufferPointer
    var annotationCount: Int

    init(_ bytes: UnsafeRawBufferPointer) throws {
        var c = CanonicalByteCursor(bytes)
        guard try c.u8() == 1 else { throw CanonicalDecodingError("unknown extras version") }
        userExtra = try c.skipStringListMap()
        if try c.presence() {
            let start = c.offset
            _ = try c.string()
            _ = try c.optionalString()
            _ = try c.skipStringList()
            _ = try c.skipStringListMap()
            impersonatedUser = c.range(from: start)
        } else {
            impersonatedUser = nil
        }
        hasObjectRef = try c.presence()
        status = try c.optionalString()
        reason = try c.optionalString()
        message = try c.optionalString()
        annotations = try c.skipStringMap()
        annotationCount = Int(annotations.loadUnaligned(as: UInt32.self).bigEndian)
        for _ in 0..<2 {  // the bodies' digests: u64 length ‖ sha256
            if try c.presence() { _ = try c.bytes(8 + 32) }
        }
        guard c.isAtEnd else { throw CanonicalDecodingError("trailing bytes in extras") }
    }
}
