import ReliveKit
import ReliveReleaseHandler
import ReliveRuntime
import Testing

/// The round that suspends and changes at once
/// (`UpgradeTransaction.suspend(_:timeouts:changing:changeTimeout:)`, what
/// the relup evaluator runs): each process is sent one `suspend_change_code`
/// request, yet its suspend and its change are still timed apart, each by
/// its own timeout, with real processes on real plugins.
@Suite(.serialized) struct SuspendChangeRoundTests {
    typealias T = UpgradeTransactionTests

    static func upgrade(_ w: T.World, _ p: LocalProcess, extra: Term = [],
                        suspendTimeout: Duration, changeTimeout: Duration) async throws(UpgradeFailure) -> CommitReport {
        let tx = T.transaction(w, p)
        try await tx.suspend(w.pids, timeouts: Array(repeating: suspendTimeout, count: w.pids.count),
                             changing: [ModuleChange(module: "tx_server", extra: extra)], changeTimeout: changeTimeout)
        return await tx.commit(timeout: .seconds(5))
    }

    @Test func aProcessTakingTheRequestLateStillHasItsWholeChangeTimeout() async throws {
        try await T.withWorld("sc0@test") { p, node, w in
            // Busy for 300 ms before it takes the request: past the change
            // timeout counted from the send, within it counted from then.
            GenServer.cast(w.pids[T.victim], .tuple([.atom("block"), .int(300)]))
            let report = try await Self.upgrade(w, p, suspendTimeout: .seconds(30), changeTimeout: .milliseconds(100))
            #expect(report.resumeFailures.isEmpty)
            #expect(report.timings.pipelined)
            try await T.expectAll(w, on: "2.0.0", p)
        }
    }

    @Test func aChangePastItsTimeoutFailsInTheChangePhaseLongBeforeTheSuspendTimeout() async throws {
        try await T.withWorld("sc1@test") { p, node, w in
            // 400 ms: past the change timeout, within the suspend timeout (which must not add to it).
            let error = await #expect(throws: UpgradeFailure.self) {
                try await Self.upgrade(w, p, extra: [.tuple([.atom("hang"), .int(T.victim), .int(400)])],
                                       suspendTimeout: .seconds(30), changeTimeout: .milliseconds(50))
            }
            #expect(error?.failures == [ProcessFailure(pid: w.pids[T.victim], phase: .changeCode, reason: .atom("timeout"))])
            try await T.expectAll(w, on: "1.0.0", p)
        }
    }

    @Test func aProcessBusyPastTheSuspendTimeoutFailsInTheSuspendPhase() async throws {
        try await T.withWorld("sc2@test") { p, node, w in
            let victim = w.pids[T.victim]
            // 400 ms: past the suspend timeout, within the change timeout (which must not add to it).
            GenServer.cast(victim, .tuple([.atom("block"), .int(400)]))
            let error = await #expect(throws: UpgradeFailure.self) {
                try await Self.upgrade(w, p, suspendTimeout: .milliseconds(50), changeTimeout: .seconds(30))
            }
            #expect(error?.failures == [ProcessFailure(pid: victim, phase: .suspend, reason: .atom("timeout"))])
            try await T.expectAll(w, on: "1.0.0", p)
        }
    }
}
