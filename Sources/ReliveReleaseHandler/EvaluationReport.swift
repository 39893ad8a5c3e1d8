import ReliveKit

/// What an evaluated script did, as data: each step and its time, the
/// processes' pause, what failed to resume after the commit, and what the
/// node layer must do next.
public struct EvaluationReport: Sendable, CustomStringConvertible {
    public struct Step: Sendable {
        public let index: Int
        public let instruction: String
        public let duration: Duration
    }

    public var steps: [Step] = []
    /// The transaction's rounds; `pause` is first suspend to last resume.
    public var timings = UpgradeTimings()
    /// Processes suspended and changed.
    public var processes = 0
    public var resumeFailures: [ProcessFailure] = []
    /// Processes killed by brutal purges after the commit.
    public var purged: [Pid] = []
    public var restart: RestartAction? = nil
    public var total: Duration = .zero

    public var description: String {
        "\(steps.count) instructions in \(UpgradeTimings.ms(total)) ms, \(processes) processes: \(timings)"
            + (restart.map { "; then \($0.rawValue)" } ?? "")
    }
}
