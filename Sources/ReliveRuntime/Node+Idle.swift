extension Node {
    /// Waits until the node's scheduler is idle: every worker parked and
    /// nothing queued, so every process is blocked (in a receive) or ended.
    /// Tests use it to say "nothing more will happen" without sleeping.
    ///
    /// Timers are not counted: a process waiting for a `sendAfter` or a
    /// receive timeout is blocked, so the node is idle until the timer fires.
    ///
    /// - Important: call it from outside the node's processes; a process
    ///   waiting here keeps its own scheduler thread busy.
    /// - Returns: true once idle (seen on three checks in a row, so that a job
    ///   passing between two workers is not taken for idleness); false on
    ///   Swift's default executor (`RELIVE_SCHEDULER=default`), which cannot tell.
    public func waitUntilIdle() async -> Bool {
        guard isQuiescent != nil else { return false }
        var streak = 0
        while streak < 3 {
            streak = isQuiescent == true ? streak + 1 : 0
            try? await Task.sleep(for: .microseconds(200))
        }
        return true
    }
}
