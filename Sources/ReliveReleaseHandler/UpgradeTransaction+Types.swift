import ReliveKit

/// A round of the upgrade transaction.
public enum UpgradePhase: String, Sendable, Hashable {
    case suspend, changeCode = "change_code", revert = "revert_code", resume
}

/// One process to change: it runs `oldVersion` of `module`.
public struct ChangeTarget: Sendable, Hashable {
    public let pid: Pid
    public let module: Atom
    public let oldVersion: Term

    public init(pid: Pid, module: Atom, oldVersion: Term) {
        self.pid = pid
        self.module = module
        self.oldVersion = oldVersion
    }
}

/// One module to change in ``UpgradeTransaction/suspend(_:timeouts:changing:changeTimeout:)``:
/// every process that runs another version of it than the current one.
public struct ModuleChange: Sendable {
    public let module: Atom
    /// The old version is given as `{down, Vsn}` (a downgrade).
    public let down: Bool
    /// The `Extra` of `code_change`.
    public let extra: Term

    public init(module: Atom, down: Bool = false, extra: Term) {
        self.module = module
        self.down = down
        self.extra = extra
    }
}

/// A process that did not answer `ok` in some round, and what it answered
/// (`timeout`, `noproc`, its exit reason, or its `{error, Reason}` reply).
public struct ProcessFailure: Sendable, Equatable, CustomStringConvertible {
    public let pid: Pid
    public let phase: UpgradePhase
    public let reason: Term

    public init(pid: Pid, phase: UpgradePhase, reason: Term) {
        self.pid = pid
        self.phase = phase
        self.reason = reason
    }

    public var description: String { "\(pid) in \(phase.rawValue): \(reason)" }
}

/// Where the time of a transaction went.
public struct UpgradeTimings: Sendable, CustomStringConvertible {
    public var suspend: Duration = .zero
    public var change: Duration = .zero
    /// Until every process was resumed (released by the runtime, or its
    /// `resume` answered): the end of the pause.
    public var resume: Duration = .zero
    /// The `resume` round after the pause that confirms processes the
    /// runtime released (zero when some needed it to resume, which then counts in `resume`).
    public var confirm: Duration = .zero
    /// Revert and resume rounds of a rollback.
    public var revert: Duration = .zero
    /// First suspend sent to last resume answered: the clients' pause.
    public var pause: Duration = .zero
    /// When the first suspend was sent (nil: none was), so that a profile
    /// can be cut to the pause.
    public var pauseStart: ContinuousClock.Instant? = nil
    /// Suspend and code change were one pipelined round, whose time is in
    /// `suspend` (`change` holds only later change rounds).
    public var pipelined = false

    public init() {}

    public var description: String {
        (pipelined ? "suspend and code change (one round) \(Self.ms(suspend)) ms" : "suspend \(Self.ms(suspend)) ms")
            + (change > .zero || !pipelined ? ", code change \(Self.ms(change)) ms" : "")
            + ", resume \(Self.ms(resume)) ms"
            + (confirm > .zero ? " (confirmed after the pause in \(Self.ms(confirm)) ms)" : "")
            + (revert > .zero ? ", rollback \(Self.ms(revert)) ms" : "") + "; pause \(Self.ms(pause)) ms"
    }

    /// Milliseconds, as a Double.
    public static func ms(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}

/// The outcome of a commit: the change is in place whatever this says.
public struct CommitReport: Sendable {
    /// Processes that did not answer their resume: dead ones (already gone
    /// from the module table) or busy ones (the resume waits in their mailbox).
    public let resumeFailures: [ProcessFailure]
    public let timings: UpgradeTimings
}

/// The outcome of a rollback.
public struct RollbackReport: Sendable {
    /// Processes whose `revert_code` was not answered `ok`.
    public let unreverted: [ProcessFailure]
    /// Processes whose `resume` was not answered `ok`.
    public let unresumed: [ProcessFailure]

    /// True when every live process answered both.
    public var isClean: Bool { unreverted.isEmpty && unresumed.isEmpty }
}

/// Why a transaction was rolled back, and how the rollback went.
public struct UpgradeFailure: Error, Sendable, CustomStringConvertible {
    public enum Cause: Sendable {
        /// Processes refused, timed out or died.
        case processes([ProcessFailure])
        /// The calling process was killed mid-transaction (its exit reason).
        case callerExited(Term)
        /// The transaction was used after it ended.
        case misuse(String)
    }

    public let cause: Cause
    public let rollback: RollbackReport
    public let timings: UpgradeTimings

    /// The processes that failed, if the cause is theirs.
    public var failures: [ProcessFailure] {
        if case .processes(let f) = cause { return f }
        return []
    }

    public var description: String {
        let why: String
        switch cause {
        case .processes(let f):
            why = "\(f.count) process(es) failed, e.g. " + f.prefix(3).map(\.description).joined(separator: "; ")
        case .callerExited(let reason): why = "the calling process exited (\(reason))"
        case .misuse(let what): why = what
        }
        var text = "code change rolled back: \(why)"
        if !rollback.isClean {
            text += "; rollback incomplete: \(rollback.unreverted.count) not reverted, \(rollback.unresumed.count) not resumed"
        }
        return text
    }
}
