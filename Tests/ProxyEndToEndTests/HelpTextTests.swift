import Foundation
import KubetrailTestSupport
import Testing

/// `--help` is where an operator or auditor learns a command: at 80 columns its paragraphs wrap
/// whole (not a word or two left on a line of their own) and its examples break with a shell
/// continuation instead of spilling to the margin.
@Suite struct HelpTextTests {
    static let commands = [
        [], ["proxy"], ["migrate"], ["verify"], ["who"], ["query"], ["export"], ["sessions"], ["replay"],
        ["ca"], ["ca", "init"], ["ca", "issue"], ["ca", "server"], ["writer"], ["writer", "public-key"],
    ]

    @Test(arguments: commands)
    func helpFitsEightyColumns(command: [String]) async throws {
        let result = await (try ChildProcess(Repository.product("kubetrail"), command + ["--help"], environment: ["COLUMNS": "80"]))
            .wait(timeout: .seconds(30))
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("OVERVIEW:") && result.stdout.contains("OPTIONS:"), "\(result.stdout)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let name = "`kubetrail \(command.joined(separator: " ")) --help`"
        #expect(lines.allSatisfy { $0.count <= 80 || $0.hasPrefix("USAGE:") }, "\(name) has lines over 80 columns")
        for (line, next) in zip(lines, lines.dropFirst()) {
            // A source line a little over 80 columns wraps into a fragment of a word or two.
            let fragment = !line.isEmpty && !line.hasPrefix(" ") && line.count < 25 && !line.hasSuffix(":") && !line.hasSuffix(".")
                && !next.isEmpty && !next.hasPrefix(" ")
            #expect(!fragment, "\(name): a paragraph broken mid-sentence at \"\(line)\"")
            // An example too long for the line spills to column 0.
            let spilled = line.hasPrefix("  kubetrail ") && !line.hasSuffix("\\") && !next.isEmpty && !next.hasPrefix(" ")
            #expect(!spilled, "\(name): an example spills over its line at \"\(line)\"")
        }
    }
}
