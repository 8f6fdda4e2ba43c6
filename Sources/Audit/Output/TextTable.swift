/// The aligned table the read commands print on a terminal (`query`, `who`, `sessions`): each
/// cell cut with "…" or padded to its column's width, a width of 0 leaving the cell whole (the
/// last column), trailing spaces dropped.
struct TextTable: Sendable {
    let columns: [(name: String, width: Int)]

    var header: String { line(columns.map(\.name)) }

    func line(_ cells: [String]) -> String {
        var text = zip(cells, columns).map { cell, column in
            column.width == 0 ? cell
                : cell.count > column.width ? String(cell.prefix(column.width - 1)) + "…"
                : cell.padding(toLength: column.width, withPad: " ", startingAt: 0)
        }.joined(separator: " ")
        while text.last == " " { text.removeLast() }
        return text
    }
}
