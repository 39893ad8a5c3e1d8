import ReliveKit
@_spi(Testing) import ReliveReleaseHandler
import ReliveRuntime
import Testing

/// The commit's release: behaviour processes are resumed by the runtime
/// (`LocalProcess.releaseSuspension(of:)`), without a message, and the
/// `resume` round after the pause only confirms them; real processes on
/// real plugins.
@Suite(.serialized) struct CommitReleaseTests {
    typealias T = UpgradeTransactionTests

    @Test func aProcessWithAMessageWaitingIsWokenByTheReleaseAndAnswersOnItsNewCode() async throws {
        try await T.withWorld("cr0@test") { p, node, w in
            let victim = w.pids[T.victim]
            let tag = p.makeRef()
            final class Seen: @unchecked Sendable { var answer: Term? = nil }
            let seen = Seen()
            let report = try await UpgradeTransaction.upgrade(["tx_server"], rollingBack: [w.v2], in: w.code, node: node, from: p) { tx in
                tx.beforeRound = { phase in
                    guard phase == .resume else { return }
                    // Suspended and changed: the call waits in its mailbox,
                    // passed over by the status request behind it.
                    victim.send(.tuple([.atom("$gen_call"), .tuple([.pid(p.pid), .ref(tag)]), .atom("version")]))
                    _ = try? await Sys.getStatus(victim, process: p)
                }
                tx.afterRelease = {
                    // Before any resume request is sent: only the release can have woken it.
                    seen.answer = try? await p.receive(timeout: .seconds(30)) { m in
                        m[element: 0] == .ref(tag) ? m[element: 1] : nil
                    }
                }
            }
            #expect(seen.answer == .string("2.0.0"))
            #expect(report.resumeFailures.isEmpty)
            // Every process was released: the resume round came after the pause.
            #expect(report.timings.confirm > .zero)
            try await T.expectAll(w, on: "2.0.0", p)
        }
    }

    @Test func aReleasedIdleProcessSaysItRunsAndTakesItsNextMessageOnItsNewCode() async throws {
        try await T.withWorld("cr1@test") { p, node, w in
            let victim = w.pids[T.victim]
            final class Seen: @unchecked Sendable { var status: String = ""; var version: Term? = nil }
            let seen = Seen()
            _ = try await UpgradeTransaction.upgrade(["tx_server"], rollingBack: [w.v2], in: w.code, node: node, from: p) { tx in
                tx.afterRelease = {
                    // Released, not yet sent resume: running, on 2.0.0.
                    seen.status = "\(String(describing: try? await Sys.getStatus(victim, process: p)))"
                    seen.version = try? await GenServer.call(victim, .atom("version"), timeout: .seconds(30), process: p)
                }
            }
            #expect(seen.status.contains("{status,running}"), "\(seen.status)")
            #expect(seen.version == .string("2.0.0"))
            try await T.expectAll(w, on: "2.0.0", p)
        }
    }

    @Test func aProcessSpeakingSysItselfIsResumedByItsRequestWithinThePause() async throws {
        try await T.withWorld("cr2@test") { p, node, w in
            let other = T.fakeSysProcess(node)
            let tx = T.transaction(w, p)
            try await tx.suspend(w.pids + [other], timeout: .seconds(5))
            try await tx.changeCode(T.targets(w.pids), extra: [], timeout: .seconds(5))
            let report = await tx.commit(timeout: .seconds(5))
            #expect(report.resumeFailures.isEmpty)
            // The runtime could not release it: the pause lasted to its answer.
            #expect(report.timings.confirm == .zero)
            try await T.expectAll(w, on: "2.0.0", p)
        }
    }
}
