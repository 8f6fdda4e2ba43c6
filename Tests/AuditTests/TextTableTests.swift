@testable import Audit
import Testing

@Suite struct TextTableTests {
    let table = TextTable(columns: [("USER", 6), ("CODE", 4), ("GROUPS", 0)])

    @Test func theHeaderNamesEveryColumnTheLastUnpadded() {
        // The last column has no width: its name and cells stand whole (the `who` header once lost it).
        #expect(table.header == "USER   CODE GROUPS")
    }

    @Test func cellsAreCutOrPaddedToTheirColumns() {
        #expect(table.line(["alexandra", "200", "dev,ops"]) == "alexa… 200  dev,ops")
        #expect(table.line(["bob", "403", ""]) == "bob    403")
    }
}
