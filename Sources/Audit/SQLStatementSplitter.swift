/// Splits a SQL script into statements at top-level semicolons.
///
/// postgres-nio speaks only the extended query protocol, which takes one statement at a time,
/// so a migration file is cut here. Semicolons inside string literals, quoted identifiers,
/// dollar-quoted bodies (`$$ … $$`, `$tag$ … $tag$`) and comments do not split.
public enum SQLStatementSplitter {
    public static func split(_ sql: String) -> [String] {
        let s = Array(sql.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var i = 0
        func flush() {
            let text = String(current).trimmingWhitespace
            if !text.isEmpty, !text.isOnlyComments { statements.append(text) }
            current = String.UnicodeScalarView()
        }
        while i < s.count {
            let c = s[i]
            let next: Unicode.Scalar? = i + 1 < s.count ? s[i + 1] : nil
            if c == "-" && next == "-" {
                while i < s.count && s[i] != "\n" { current.append(s[i]); i += 1 }
                continue
            }
            if c == "/" && next == "*" {
                var depth = 0
                repeat {
                    if s[i] == "/" && i + 1 < s.count && s[i + 1] == "*" { depth += 1; current.append(s[i]); i += 1 }
                    else if s[i] == "*" && i + 1 < s.count && s[i + 1] == "/" { depth -= 1; current.append(s[i]); i += 1 }
                    current.append(s[i]); i += 1
                } while i < s.count && depth > 0
                continue
            }
            if c == "'" || c == "\"" {
                current.append(c); i += 1
                while i < s.count {
                    current.append(s[i])
                    if s[i] == c {
                        if i + 1 < s.count && s[i + 1] == c { current.append(s[i + 1]); i += 2; continue }
                        i += 1
                        break
                    }
                    i += 1
                }
                continue
            }
            if c == "$", let tagEnd = dollarTagEnd(s, from: i) {
                let tag = Array(s[i...tagEnd])
                current.append(contentsOf: tag)
                i = tagEnd + 1
                while i < s.count {
                    if s[i] == "$", i + tag.count <= s.count, Array(s[i..<i + tag.count]) == tag {
                        current.append(contentsOf: tag)
                        i += tag.count
                        break
                    }
                    current.append(s[i]); i += 1
                }
                continue
            }
            if c == ";" { flush(); i += 1; continue }
            current.append(c); i += 1
        }
        flush()
        return statements
    }

    /// The index of the closing `$` of a dollar-quote tag starting at `start`, if there is one.
    private static func dollarTagEnd(_ s: [Unicode.Scalar], from start: Int) -> Int? {
        if start > 0, s[start - 1].properties.isAlphabetic || s[start - 1] == "_" || ("0"..."9").contains(s[start - 1]) { return nil }
        var j = start + 1
        while j < s.count {
            if s[j] == "$" { return j }
            guard s[j].properties.isAlphabetic || s[j] == "_" || (j > start + 1 && ("0"..."9").contains(s[j])) else { return nil }
            j += 1
        }
        return nil
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        var scalars = Substring(self)
        while scalars.first?.isWhitespace == true { scalars = scalars.dropFirst() }
        while scalars.last?.isWhitespace == true { scalars = scalars.dropLast() }
        return String(scalars)
    }

    fileprivate var isOnlyComments: Bool {
        self.split(separator: "\n").allSatisfy { line in
            let t = line.drop(while: { $0 == " " || $0 == "\t" })
            return t.isEmpty || t.hasPrefix("--")
        }
    }
}
