/// When the watchdog restarts a node that ended, and when it gives up:
/// at most `maxRestarts` within `period` (OTP's supervisor intensity applied
/// to the whole node), each restart after an exponential backoff.
struct RestartPolicy {
    var maxRestarts: Int
    var period: Double
    var baseBackoff: Double = 0.1
    var maxBackoff: Double = 5

    private var recent: [Double] = []

    init(maxRestarts: Int, period: Double) {
        self.maxRestarts = maxRestarts
        self.period = period
    }

    enum Decision: Equatable {
        /// Restart after `delay` seconds; this is restart `count` within the period.
        case restart(delay: Double, count: Int)
        case giveUp(count: Int)
    }

    /// The node ended at `now` (seconds, monotonic): restart or give up.
    mutating func nodeEnded(at now: Double) -> Decision {
        recent = recent.filter { now - $0 < period }
        recent.append(now)
        guard recent.count <= maxRestarts else { return .giveUp(count: recent.count) }
        var delay = baseBackoff
        for _ in 1..<recent.count { delay = min(delay * 2, maxBackoff) }
        return .restart(delay: delay, count: recent.count)
    }
}
