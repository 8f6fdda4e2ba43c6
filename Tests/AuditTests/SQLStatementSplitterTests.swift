import Testing

@testable import Audit

@Suite struct SQLStatementSplitterTests {
    @Test func splitsAtTopLevelSemicolonsOnly() {
        let sql = """
            -- a comment; with a semicolon
            CREATE TABLE t (a text DEFAULT 'x;y', "odd;name" int);
            /* block; comment */ INSERT INTO t VALUES ('it''s; fine');
            CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; END $$;
            CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $body$ SELECT 'a;b' $body$;
            SELECT 1
            """
        let statements = SQLStatementSplitter.split(sql)
        #expect(statements.count == 5)
        #expect(statements[0].hasSuffix("\"odd;name\" int)"))
        #expect(statements[1].contains("'it''s; fine'"))
        #expect(statements[2].hasSuffix("END $$"))
        #expect(statements[3].contains("$body$ SELECT 'a;b' $body$"))
        #expect(statements[4] == "SELECT 1")
    }

    @Test func ignoresEmptyStatementsAndTrailingComments() {
        #expect(SQLStatementSplitter.split(";;\n-- only a comment\n") == [])
        #expect(SQLStatementSplitter.split("SELECT $1::int;") == ["SELECT $1::int"])
    }

    @Test func theMigrationFilesSplitIntoWholeStatements() throws {
        #expect(SQLStatementSplitter.split(Migration.embedded[0].sql).count > 10)
        for migration in Migration.embedded {
            let statements = SQLStatementSplitter.split(migration.sql)
            #expect(!statements.isEmpty, "\(migration.name) has no statements")
            for statement in statements where statement.contains("$$") {
                #expect(statement.components(separatedBy: "$$").count == 3, "unbalanced body in \(migration.name)")
            }
        }
    }
}
