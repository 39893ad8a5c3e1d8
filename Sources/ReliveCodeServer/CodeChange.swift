import ReliveKit
import ReliveRuntime

/// Moves every process running an old version of some modules onto their
/// current version, as one transaction: all of them are suspended together,
/// changed, and resumed — or, when any step fails for any of them, every
/// process changed so far is put back on its old code and state
/// (`revert_code`) and resumed, and the caller rolls the module table back.
///
/// OTP's release handler suspends and changes processes one at a time, and
/// past its point of no return a failure restarts the node; here a failure
/// costs one more round of sys requests and loses nothing.
public enum CodeChange {
    /// Timings of one change, from the first suspend to the last resume.
    public struct Report: Sendable, CustomStringConvertible {
        public var processes = 0
        public var suspend: Duration = .zero
        public var change: Duration = .zero
        public var resume: Duration = .zero
        /// How long the slowest process was suspended: the clients' pause.
        public var pause: Duration { suspend + change + resume }

        public var description: String {
            "\(processes) processes: suspend \(suspend), code change \(change), resume \(resume), pause \(pause)"
        }
    }

    /// Why a change was rolled back.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// The process and what it answered, for each that failed.
        public let failures: [(pid: Pid, reason: Term)]
        /// The timings up to and including the rollback.
        public let report: Report

        public var description: String {
            "code change rolled back: \(failures.count) process(es) failed, e.g. "
                + failures.prefix(3).map { "\($0.pid): \($0.reason)" }.joined(separator: "; ")
        }
    }

    /// Changes the processes running an old version of `modules` to each
    /// module's current version.
    /// - Parameters:
    ///   - extra: the `Extra` of `{advanced, Extra}`.
    ///   - timeout: for each phase.
    /// - Throws: ``Failure`` after rolling every process back and resuming it.
    public static func upgrade(_ modules: [Atom], extra: Term = .list([]), timeout: Duration = .seconds(5),
                               node: Node, from caller: LocalProcess) async throws -> Report {
        var targets: [(pid: Pid, module: Atom, oldVersion: String)] = []
        for module in modules {
            guard let current = node.modules.current(module) else { continue }
            for user in node.modules.users(of: module) where user.version != current.version {
                targets.append((user.pid, module, user.version))
            }
        }
        var report = Report()
        let pids = Array(Set(targets.map(\.pid)))
        report.processes = pids.count
        guard !pids.isEmpty else { return report }
        let clock = ContinuousClock()

        var start = clock.now
        let suspended = try await Sys.multiRequest(pids, .atom("suspend"), timeout: timeout, process: caller)
        report.suspend = clock.now - start
        var failures = failed(suspended, ignoringNoproc: true)
        let live = pids.filter { if case .failure(.noproc)? = suspended[$0] { return false } else { return true } }

        if failures.isEmpty {
            start = clock.now
            // One batch per (module, old version): processes of one batch get one request.
            let batches = Dictionary(grouping: targets.filter { live.contains($0.pid) }) { "\($0.module)\u{0}\($0.oldVersion)" }
            for batch in batches.values {
                guard let first = batch.first else { continue }
                let request: Term = .tuple([.atom("change_code"), .atom(first.module), .string(first.oldVersion), extra])
                let changed = try await Sys.multiRequest(batch.map(\.pid), request, timeout: timeout, process: caller)
                failures += failed(changed, ignoringNoproc: false)
            }
            report.change = clock.now - start
        }
        if !failures.isEmpty {
            start = clock.now
            _ = try await Sys.multiRequest(live, .atom("revert_code"), timeout: timeout, process: caller)
            _ = try await Sys.multiRequest(live, .atom("resume"), timeout: timeout, process: caller)
            report.resume = clock.now - start
            throw Failure(failures: failures, report: report)
        }
        start = clock.now
        let resumed = try await Sys.multiRequest(live, .atom("resume"), timeout: timeout, process: caller)
        report.resume = clock.now - start
        let resumeFailures = failed(resumed, ignoringNoproc: true)
        if !resumeFailures.isEmpty { throw Failure(failures: resumeFailures, report: report) }
        return report
    }

    private static func failed(_ results: [Pid: Result<Term, CallError>], ignoringNoproc: Bool) -> [(pid: Pid, reason: Term)] {
        results.compactMap { pid, result in
            switch result {
            case .success(let reply): reply == .ok ? nil : (pid, reply)
            case .failure(.noproc) where ignoringNoproc: nil
            case .failure(let error): (pid, error.reason)
            }
        }
    }
}
