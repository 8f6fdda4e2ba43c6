import KubetrailTestSupport
import Foundation
import Testing

@testable import Audit

@Suite struct EmbeddedMigrationsTests {
    /// The binary carries migrations/ through tools/embed-migrations: the two must agree.
    @Test func matchTheFilesInMigrations() throws {
        let onDisk = try Migration.load(from: Repository.root + "/migrations")
        #expect(!onDisk.isEmpty)
        #expect(onDisk.map(\.name) == Migration.embedded.map(\.name), "run tools/embed-migrations")
        for (file, embedded) in zip(onDisk, Migration.embedded) {
            #expect(file.checksum == embedded.checksum, "\(file.name) differs from its embedded copy: run tools/embed-migrations")
        }
    }

    @Test func namesAreNumberedAndOrdered() {
        let names = Migration.embedded.map(\.name)
        #expect(names == names.sorted())
        for name in names { #expect(name.range(of: #"^\d{4}_[a-z0-9_]+\.sql$"#, options: .regularExpression) != nil) }
    }
}
