import Testing

@testable import ProxyIdentity

@Suite struct ClientImpersonationRequestTests {
    @Test func noImpersonation() throws {
        #expect(try ClientImpersonationRequest.parse([("Accept", "*/*"), ("Authorization", "Bearer x")]) == nil)
    }

    @Test func kubectlAsWithGroupsUidAndExtras() throws {
        let request = try ClientImpersonationRequest.parse([
            ("impersonate-user", "bob"), ("Impersonate-Group", "dev"), ("IMPERSONATE-GROUP", "ops"),
            ("Impersonate-Uid", "1234"), ("Impersonate-Extra-Reason", "oncall"), ("Impersonate-Extra-reason", "page"),
            ("Impersonate-Extra-example.com%2Fscope", "read"),
        ])
        #expect(request == ClientImpersonationRequest(
            user: "bob", groups: ["dev", "ops"], uid: "1234",
            extra: ["reason": ["oncall", "page"], "example.com/scope": ["read"]]
        ))
    }

    @Test func malformedCombinations() {
        #expect(throws: ClientImpersonationError.groupsWithoutUser) { try ClientImpersonationRequest.parse([("Impersonate-Group", "a")]) }
        #expect(throws: ClientImpersonationError.uidWithoutUser) { try ClientImpersonationRequest.parse([("Impersonate-Uid", "1")]) }
        #expect(throws: ClientImpersonationError.extraWithoutUser) { try ClientImpersonationRequest.parse([("Impersonate-Extra-a", "1")]) }
        #expect(throws: ClientImpersonationError.multipleUsers(["a", "b"])) {
            try ClientImpersonationRequest.parse([("Impersonate-User", "a"), ("impersonate-user", "b")])
        }
        #expect(throws: ClientImpersonationError.multipleUIDs) {
            try ClientImpersonationRequest.parse([("Impersonate-User", "a"), ("Impersonate-Uid", "1"), ("Impersonate-Uid", "2")])
        }
        #expect(throws: ClientImpersonationError.emptyUser) { try ClientImpersonationRequest.parse([("Impersonate-User", "")]) }
        #expect(throws: ClientImpersonationError.emptyExtraKey) {
            try ClientImpersonationRequest.parse([("Impersonate-User", "a"), ("Impersonate-Extra-", "x")])
        }
        #expect(throws: ClientImpersonationError.malformedExtraKey("Impersonate-Extra-%zz")) {
            try ClientImpersonationRequest.parse([("Impersonate-User", "a"), ("Impersonate-Extra-%zz", "x")])
        }
        #expect(throws: ClientImpersonationError.unknownField("Impersonate_User")) {
            try ClientImpersonationRequest.parse([("Impersonate_User", "a")])
        }
        #expect(throws: ClientImpersonationError.unknownField("Impersonate-Serviceaccount")) {
            try ClientImpersonationRequest.parse([("Impersonate-User", "a"), ("Impersonate-Serviceaccount", "x")])
        }
    }
}
