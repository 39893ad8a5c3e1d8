import Foundation
import ReliveReleaseHandler
import ReliveReleases

/// Trial boots (``TrialBoot``): a release on another host (OTP's
/// `restart_new_emulator`) is booted once by the watchdog on its host; this
/// node then runs the health gate and makes it permanent, or exits so that
/// the watchdog boots the permanent release again. The node that boots after
/// a trial that failed records why.
extension NodeHost {
    private var store: ReleasesStore { ReleasesStore(root: root.path) }

    /// The trial the watchdog started (`run/trial_boot`), checked against this node's host.
    /// - Throws: ``NodeError`` `failed`: no trial, a malformed one, or one for another host.
    func startedTrial() throws(NodeError) -> TrialBoot {
        let trial: TrialBoot?
        do { trial = try store.readTrialBoot(at: store.startedTrialPath) } catch { throw NodeError(.failed, "boot: \(error)") }
        guard let trial else { throw NodeError(.failed, "boot: --trial, but \(store.startedTrialPath) holds no trial boot") }
        guard trial.host == hostVersion else {
            throw NodeError(.failed, "boot: the trial boot of \(trial.vsn) needs host \(trial.host); this node is host \(hostVersion)")
        }
        return trial
    }

    /// After a trial boot: the health gate, when the trial has one; without
    /// one the release stays current until `make-permanent` (as `install`
    /// leaves a release), and a restart before that boots the permanent one.
    func startTrialGate(_ trial: TrialBoot, handler: ReleaseHandler) {
        guard let window = trial.healthWindowMilliseconds else {
            record(UpgradeRecord(from: trial.from, to: trial.vsn, outcome: "current", reason: "booted on host \(trial.host); not permanent until make-permanent", pauseMilliseconds: nil))
            return
        }
        let task = Task { [self] in
            do {
                try await withReleaseHandler("health gate of \(trial.vsn)") { handler in
                    if let unhealthy = await watch(window: .milliseconds(window), maxExits: trial.maxExits, progress: { _ in }) {
                        fail(trial, because: "health gate on host \(trial.host): \(unhealthy)")
                        return
                    }
                    do { try handler.makePermanent(trial.vsn) } catch {
                        fail(trial, because: "make_permanent failed: \(error)")
                        return
                    }
                    try? store.removeTrialBoot(at: store.startedTrialPath)
                    metrics.upgrade(pauseSeconds: 0, outcome: "installed")
                    record(UpgradeRecord(from: trial.from, to: trial.vsn, outcome: "permanent", reason: "booted on host \(trial.host)", pauseMilliseconds: nil))
                    node.logger.notice("trial boot passed its health gate: permanent", metadata: ["release": "\(trial.vsn)", "host": "\(trial.host)"])
                }
            } catch {
                fail(trial, because: "\(error)")
            }
        }
        trialGate.withLock { $0 = task }
    }

    /// A failed trial: why goes into `run/trial_boot` for the node that
    /// boots next, and this node restarts (the watchdog boots the permanent release).
    private func fail(_ trial: TrialBoot, because reason: String) {
        var failed = trial
        failed.failure = reason
        try? store.writeTrialBoot(failed, at: store.startedTrialPath)
        metrics.rollback(reason: "trial_boot")
        record(UpgradeRecord(from: trial.from, to: trial.vsn, outcome: "rolled_back", reason: reason, pauseMilliseconds: nil))
        node.logger.warning("trial boot failed: restarting into the permanent release", metadata: ["release": "\(trial.vsn)", "reason": "\(reason)"])
        restartSoon()
    }

    /// After a normal boot: a trial boot that ended without being made
    /// permanent (its node died, hung, failed its gate or was rolled back)
    /// is recorded as rolled back; a trial never started (scheduled by a
    /// node run without a watchdog) is dropped.
    func settleTrial(handler: ReleaseHandler) {
        if let trial = try? store.readTrialBoot(at: store.startedTrialPath) {
            if handler.permanent?.vsn == trial.vsn {
                // Made permanent, then killed before the file went: it passed.
                record(UpgradeRecord(from: trial.from, to: trial.vsn, outcome: "permanent", reason: "booted on host \(trial.host)", pauseMilliseconds: nil))
            } else {
                let reason = trial.failure ?? "the node on host \(trial.host) ended before \(trial.vsn) was made permanent"
                metrics.rollback(reason: "trial_boot")
                record(UpgradeRecord(from: trial.from, to: trial.vsn, outcome: "rolled_back", reason: reason, pauseMilliseconds: nil))
                node.logger.warning("trial boot rolled back", metadata: ["release": "\(trial.vsn)", "reason": "\(reason)"])
            }
        }
        try? store.removeTrialBoot(at: store.startedTrialPath)
        if FileManager.default.fileExists(atPath: store.pendingTrialPath) {
            node.logger.warning("dropping a trial boot no watchdog started", metadata: ["path": "\(store.pendingTrialPath)"])
            try? handler.cancelPendingTrialBoot()
        }
    }

    /// `make-permanent` of the trial release ends the trial.
    func endTrial(madePermanent vsn: String) {
        guard let trial = try? store.readTrialBoot(at: store.startedTrialPath), trial.vsn == vsn else { return }
        try? store.removeTrialBoot(at: store.startedTrialPath)
    }

    /// Marks the trial under way as rolled back on command, before this node
    /// restarts into the permanent release.
    func abandonTrial(because reason: String) {
        guard var trial = try? store.readTrialBoot(at: store.startedTrialPath) else { return }
        trial.failure = reason
        try? store.writeTrialBoot(trial, at: store.startedTrialPath)
    }

    /// `upgrade_outcome`: waits for a trial's health gate, then reports the
    /// release this node runs, its host and its last upgrade record (what
    /// `relive node upgrade` waits for after a restart onto another host).
    func upgradeOutcome() async -> [String: Any] {
        if let gate = trialGate.withLock({ $0 }) { await gate.value }
        var result: [String: Any] = ["pid": Int(getpid()), "host": hostVersion]
        if let release = booted.withLock({ $0 }) { result["running"] = release.vsn }
        if let last = upgrades.withLock({ $0.last }) { result["last"] = last.json }
        return result
    }
}
