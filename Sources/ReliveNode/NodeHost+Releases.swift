import Foundation
import ReliveKit
import ReliveReleaseHandler
import ReliveReleases
import ReliveRuntime

/// One line of progress for the client, sent before the reply.
public typealias ControlProgress = @Sendable (String) -> Void

extension NodeHost {
    /// Runs one release operation with the node's release handler; a second
    /// one while it runs is refused (not queued: the caller decides).
    /// - Throws: ``NodeError`` `refused` when another operation runs, `failed`
    ///   before boot, or the body's error.
    func withReleaseHandler<T>(_ operation: String, _ body: (ReleaseHandler) async throws -> T) async throws -> T {
        let busy = releaseOperation.withLock { current -> String? in
            if let current { return current }
            current = operation
            return nil
        }
        if let busy { throw NodeError(.refused, "\(busy) is under way; \(operation) refused") }
        defer { releaseOperation.withLock { $0 = nil } }
        guard let handler = releaseHandler.withLock({ $0 }) else { throw NodeError(.failed, "the node has not booted a release") }
        return try await body(handler)
    }

    /// `unpack`: verifies and unpacks a bundle into the root (recorded as unpacked).
    func unpack(_ bundle: String, allowUnsigned: Bool) async throws -> [String: Any] {
        try await withReleaseHandler("unpack") { handler in
            let started = ContinuousClock.now
            let report = try Self.refusal { () throws(ReleaseHandlerError) in try handler.unpack(bundleAt: bundle, allowUnsigned: allowUnsigned) }
            metrics.step("unpack", seconds: Self.seconds(ContinuousClock.now - started))
            return ["name": report.name, "version": report.vsn, "signed": report.signed]
        }
    }

    /// `install`: runs the script from the running release to `vsn` as one
    /// transaction (a downgrade when `vsn` is older); `vsn` runs, not yet permanent.
    func install(_ vsn: String, progress: ControlProgress) async throws -> [String: Any] {
        try await withReleaseHandler("install of \(vsn)") { handler in
            var result = try await install(vsn, handler: handler, progress: progress, why: nil)
            if result["restart"] != nil {
                // On trial without a gate: current until make-permanent, as an in-place install.
                try restartForTrial(vsn, handler: handler, window: nil, maxExits: 0, progress: progress, into: &result)
            }
            return result
        }
    }

    /// `make_permanent`: the running release becomes the one the node boots.
    func makePermanent(_ vsn: String) async throws -> [String: Any] {
        try await withReleaseHandler("make_permanent of \(vsn)") { handler in
            try Self.refusal { () throws(ReleaseHandlerError) in try handler.makePermanent(vsn) }
            endTrial(madePermanent: vsn)
            return ["version": vsn, "state": "permanent"]
        }
    }

    /// `remove`: forgets an unpacked or old release and removes its files.
    func remove(_ vsn: String) async throws -> [String: Any] {
        try await withReleaseHandler("remove of \(vsn)") { handler in
            try Self.refusal { () throws(ReleaseHandlerError) in try handler.remove(vsn) }
            return ["version": vsn, "removed": true]
        }
    }

    /// `upgrade`: unpack, install, then the health gate: the new release is
    /// watched for `window`; healthy, it is made permanent; unhealthy (more
    /// than `maxExits` child exits, a supervisor that gave up, an application
    /// that ended), it is downgraded in place to the release it replaced.
    /// A failed install has already rolled back; both are reported, with the reason.
    func upgrade(_ bundle: String, window: Duration, maxExits: Int, allowUnsigned: Bool,
                 progress: ControlProgress) async throws -> [String: Any] {
        try await withReleaseHandler("upgrade") { handler in
            guard let from = handler.running else { throw NodeError(.failed, "no release is running") }
            guard from.status == .permanent else {
                throw NodeError(.refused, "release \(from.vsn) runs but is not permanent: make it permanent or roll back first")
            }
            progress("verifying and unpacking \(bundle)")
            var started = ContinuousClock.now
            let unpacked = try Self.refusal { () throws(ReleaseHandlerError) in
                try handler.unpack(bundleAt: bundle, allowUnsigned: allowUnsigned, reuseOld: true)
            }
            let signature = unpacked.signed ? "signature verified" : "UNSIGNED: allowed by --allow-unsigned"
            progress(unpacked.reused
                ? "\(unpacked.name) \(unpacked.vsn) ran here before: its files are in the root (\(signature))"
                : "unpacked \(unpacked.name) \(unpacked.vsn) (\(signature))")
            metrics.step("unpack", seconds: Self.seconds(ContinuousClock.now - started))
            var result: [String: Any] = ["from": from.vsn, "to": unpacked.vsn, "signed": unpacked.signed]
            do {
                result["install"] = try await install(unpacked.vsn, handler: handler, progress: progress, why: "upgrade")
            } catch let error as NodeError where error.kind == .refused {
                // Refused before anything ran (no script, its host missing): the
                // release this upgrade unpacked goes again, so nothing changed.
                if !unpacked.reused { try? handler.remove(unpacked.vsn) }
                throw error
            } catch let error as NodeError where error.kind == .failed {
                // The transaction rolled back: the node runs `from` as before.
                metrics.rollback(reason: "install_failed")
                record(UpgradeRecord(from: from.vsn, to: unpacked.vsn, outcome: "rolled_back", reason: error.message, pauseMilliseconds: nil))
                result["outcome"] = "rolled_back"
                result["reason"] = "install failed and was rolled back: \(error.message)"
                result["running"] = from.vsn
                return result
            }
            if result["install"].flatMap({ ($0 as? [String: Any])?["restart"] }) != nil {
                // Another host (or restart_emulator): the gate runs on the trial node.
                var install = result["install"] as? [String: Any] ?? [:]
                try restartForTrial(unpacked.vsn, handler: handler, window: window, maxExits: maxExits, progress: progress, into: &install)
                record(UpgradeRecord(from: from.vsn, to: unpacked.vsn, outcome: "restarting", reason: "boots on host \(install["host"] ?? "?") on trial", pauseMilliseconds: nil))
                result["install"] = install
                result["outcome"] = "restarting"
                result["host"] = install["host"]
                result["pid"] = Int(getpid())
                return result
            }
            progress("watching \(unpacked.vsn) for \(Self.seconds(window)) s (health gate)")
            if let unhealthy = await watch(window: window, maxExits: maxExits, progress: progress) {
                progress("unhealthy: \(unhealthy); rolling back to \(from.vsn)")
                metrics.rollback(reason: "health_gate")
                do {
                    result["rollback"] = try await downgradeRetrying(to: from.vsn, handler: handler, progress: progress)
                } catch {
                    // The downgrade itself failed (e.g. a process died in its
                    // suspend): the permanent release is still `from`, so a
                    // restart by the watchdog lands there.
                    progress("the in-place downgrade failed (\(error)); restarting the node into \(from.vsn)")
                    record(UpgradeRecord(from: from.vsn, to: unpacked.vsn, outcome: "rebooted", reason: unhealthy, pauseMilliseconds: nil))
                    restartSoon()
                    result["outcome"] = "rolled_back"
                    result["reason"] = "health gate: \(unhealthy); the in-place downgrade failed (\(error)), so the node restarts into \(from.vsn)"
                    result["running"] = from.vsn
                    result["restarting"] = true
                    return result
                }
                record(UpgradeRecord(from: from.vsn, to: unpacked.vsn, outcome: "rolled_back", reason: unhealthy,
                                     pauseMilliseconds: (result["install"] as? [String: Any])?["pause_ms"] as? Double))
                result["outcome"] = "rolled_back"
                result["reason"] = "health gate: \(unhealthy)"
                result["running"] = from.vsn
                return result
            }
            started = ContinuousClock.now
            try Self.refusal { () throws(ReleaseHandlerError) in try handler.makePermanent(unpacked.vsn) }
            metrics.step("make_permanent", seconds: Self.seconds(ContinuousClock.now - started))
            record(UpgradeRecord(from: from.vsn, to: unpacked.vsn, outcome: "permanent", reason: nil,
                                 pauseMilliseconds: (result["install"] as? [String: Any])?["pause_ms"] as? Double))
            result["outcome"] = "permanent"
            result["running"] = unpacked.vsn
            return result
        }
    }

    /// `rollback`: back to the release that was permanent before. A release
    /// installed but not made permanent is downgraded to the permanent one;
    /// else the newest old release is installed (by the down script) and made
    /// permanent — or, with no script between them, made permanent and the
    /// node restarted into it through the watchdog (`reboot_old_release`).
    func rollback(to requested: String?, progress: ControlProgress) async throws -> [String: Any] {
        try await withReleaseHandler("rollback") { handler in
            guard let running = handler.running else { throw NodeError(.failed, "no release is running") }
            let releases = handler.whichReleases()
            let target: String
            if let requested {
                target = requested
            } else if running.status != .permanent, let permanent = releases.first(where: { $0.status == .permanent }) {
                target = permanent.vsn
            } else if let old = releases.last(where: { $0.status == .old }) {
                target = old.vsn
            } else {
                throw NodeError(.refused, "release \(running.vsn) is the only one this node has run: nothing to roll back to")
            }
            if running.status == .current, target == handler.permanent?.vsn,
               handler.release(target)?.runtimeVsn != running.runtimeVsn {
                // A trial boot on another host: the permanent release boots on its own host.
                progress("\(running.vsn) runs on trial on host \(running.runtimeVsn): restarting the node into \(target)")
                abandonTrial(because: "rolled back on command")
                metrics.rollback(reason: "command")
                restartSoon()
                return ["from": running.vsn, "to": target, "outcome": "restarting"]
            }
            let scripted: Bool
            if handler.release(target).map({ $0.runtimeVsn != running.runtimeVsn }) == true {
                scripted = false   // another host: no script runs across hosts, the node reboots
            } else {
                do throws(ReleaseHandlerError) {
                    _ = try handler.checkInstall(target)
                    scripted = true
                } catch {
                    guard error.kind == "no_relup" else { throw NodeError(.refused, error.description) }
                    scripted = false
                }
            }
            if !scripted {
                // No script between them: OTP's reboot_old_release.
                _ = try Self.refusal { () throws(ReleaseHandlerError) in try handler.rebootOldRelease(target) }
                progress("no script from \(running.vsn) to \(target): restarting the node into \(target)")
                metrics.rollback(reason: "command")
                record(UpgradeRecord(from: running.vsn, to: target, outcome: "rebooted", reason: "rollback on command", pauseMilliseconds: nil))
                restartSoon()
                return ["from": running.vsn, "to": target, "outcome": "restarting"]
            }
            var result = try await install(target, handler: handler, progress: progress, why: "rollback")
            if handler.whichReleases().first(where: { $0.vsn == target })?.status != .permanent {
                try Self.refusal { () throws(ReleaseHandlerError) in try handler.makePermanent(target) }
            }
            metrics.rollback(reason: "command")
            record(UpgradeRecord(from: running.vsn, to: target, outcome: "rolled_back", reason: "rollback on command",
                                 pauseMilliseconds: result["pause_ms"] as? Double))
            result["outcome"] = "rolled_back"
            result["running"] = target
            return result
        }
    }

    // MARK: Steps

    /// Installs `vsn` (the handler is the caller's): the report as JSON, the
    /// booted release and metrics updated.
    /// - Throws: ``NodeError`` `refused` when the script is refused before it
    ///   ran, `failed` when it ran and rolled back.
    private func install(_ vsn: String, handler: ReleaseHandler, progress: ControlProgress, why: String?) async throws -> [String: Any] {
        let (_, downgrade) = try Self.refusal { () throws(ReleaseHandlerError) in try handler.checkInstall(vsn) }
        let from = handler.running?.vsn ?? "?"
        progress("\(downgrade ? "downgrading" : "upgrading") \(from) -> \(vsn)\(why.map { " (\($0))" } ?? "")")
        let started = ContinuousClock.now
        let report: ReleaseHandler.InstallReport
        do {
            report = try await node.run { process in try await handler.install(vsn, from: process) }
        } catch let error as ReleaseHandlerError {
            metrics.step("install", seconds: Self.seconds(ContinuousClock.now - started))
            metrics.upgrade(pauseSeconds: 0, outcome: "rolled_back")
            throw NodeError(.failed, error.description)
        }
        metrics.step("install", seconds: Self.seconds(ContinuousClock.now - started))
        if let restart = report.evaluation.restart {
            // Nothing changed here (restart_new_emulator), or the script ran and
            // ends in restart_emulator: the release boots on trial (``TrialBoot``).
            let host = handler.release(vsn)?.runtimeVsn ?? "?"
            return ["from": report.from, "to": report.to, "downgrade": report.downgrade,
                    "restart": restart.rawValue, "host": host,
                    "processes": report.evaluation.processes, "pause_ms": Self.milliseconds(report.evaluation.timings.pause)]
        }
        let timings = report.evaluation.timings
        metrics.upgrade(pauseSeconds: Self.seconds(timings.pause), outcome: downgrade ? "downgraded" : "installed")
        if let running = handler.running {
            booted.withLock { $0 = BootedRelease(root: root, name: running.name, vsn: running.vsn, started: node.applications.runningNames) }
        }
        progress("\(vsn) runs: \(report.evaluation.processes) processes changed, pause \(Self.milliseconds(timings.pause)) ms")
        return [
            "from": report.from, "to": report.to, "downgrade": report.downgrade,
            "processes": report.evaluation.processes,
            "pause_ms": Self.milliseconds(timings.pause),
            "suspend_ms": Self.milliseconds(timings.suspend),
            "change_ms": Self.milliseconds(timings.change),
            // true: each process's suspend and code change went in one round, timed in suspend_ms.
            "pipelined": timings.pipelined,
            "resume_ms": Self.milliseconds(timings.resume),
            "total_ms": Self.milliseconds(report.evaluation.total),
            "steps": report.evaluation.steps.map { ["instruction": $0.instruction, "ms": Self.milliseconds($0.duration)] as [String: Any] },
            "resume_failures": report.evaluation.resumeFailures.map { "\($0)" },
        ]
    }

    /// Schedules the trial boot of `vsn` on its host and restarts the node
    /// for the watchdog to start it (``TrialBoot``); `result` says so.
    /// - Throws: ``NodeError`` `refused` when the trial cannot be scheduled
    ///   (its host missing): the node then runs as before.
    private func restartForTrial(_ vsn: String, handler: ReleaseHandler, window: Duration?, maxExits: Int,
                                 progress: ControlProgress, into result: inout [String: Any]) throws(NodeError) {
        guard heartDescriptor != nil else {
            throw NodeError(.refused, "release \(vsn) boots on host \(result["host"] ?? "?") through the watchdog, and this node runs without one (start it with relive node start)")
        }
        let milliseconds = window.map { Int(Self.seconds($0) * 1000) }
        let trial = try Self.refusal { () throws(ReleaseHandlerError) in
            try handler.scheduleTrialBoot(vsn, healthWindowMilliseconds: milliseconds, maxExits: maxExits)
        }
        progress("\(vsn) runs on host \(trial.host): restarting the node on it (trial boot\(milliseconds.map { ", health gate \(Double($0) / 1000) s" } ?? ""))")
        result["outcome"] = "restarting"
        result["host"] = trial.host
        restartSoon()
    }

    /// The health gate's downgrade, tried again when it failed: a release
    /// that crash-loops can kill a process in the middle of the suspend
    /// round, and each failed try has rolled back completely.
    private func downgradeRetrying(to vsn: String, handler: ReleaseHandler, progress: ControlProgress,
                                   attempts: Int = 5) async throws -> [String: Any] {
        var attempt = 1
        while true {
            do { return try await install(vsn, handler: handler, progress: progress, why: "health gate") } catch let error as NodeError where error.kind == .failed && attempt < attempts {
                progress("downgrade attempt \(attempt) failed and was rolled back (\(error.message.prefix(160))); trying again")
                attempt += 1
            }
        }
    }

    /// The health gate: nil when the window passed healthy, else why not.
    /// Checked every 50 ms, so a crash loop ends the window early.
    func watch(window: Duration, maxExits: Int, progress: ControlProgress) async -> String? {
        let base = node.health.snapshot
        let deadline = ContinuousClock.now + window
        var reported = ContinuousClock.now
        while ContinuousClock.now < deadline {
            let now = node.health.snapshot
            let exits = now.childExits - base.childExits
            if now.applicationExits > base.applicationExits {
                return "an application ended (\(now.last ?? "?"))"
            }
            if now.supervisorsGivenUp > base.supervisorsGivenUp {
                return "a supervisor reached its restart intensity (\(now.last ?? "?"))"
            }
            if exits > maxExits {
                return "\(exits) child exits in \(Self.seconds(window - (deadline - ContinuousClock.now))) s, more than \(maxExits) allowed (last: \(now.last ?? "?"))"
            }
            if ContinuousClock.now - reported >= .seconds(2) {
                reported = ContinuousClock.now
                progress("healthy so far: \(exits) child exits, \(Self.seconds(deadline - ContinuousClock.now)) s left")
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    func record(_ upgrade: UpgradeRecord) {
        upgrades.withLock { $0.append(upgrade) }
    }

    /// Halts the node with `restart` once the reply is on its way: the node
    /// exits with ``NodeService/restartStatus`` and the watchdog boots the
    /// permanent release at once.
    func restartSoon() {
        node.spawn { [node] process in
            _ = try? await process.receive(timeout: .milliseconds(200))
            await node.applications.stopAll(from: process)
            node.halt(reason: .atom("restart"))
        }
    }

    /// A release-handler refusal as the tool's `refused`.
    static func refusal<T>(_ body: () throws(ReleaseHandlerError) -> T) throws(NodeError) -> T {
        do { return try body() } catch { throw NodeError(.refused, error.description) }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func milliseconds(_ d: Duration) -> Double {
        (seconds(d) * 1e6).rounded() / 1e3
    }
}

/// One upgrade, downgrade or rollback, as `relive node status` lists it.
struct UpgradeRecord: Sendable {
    let from: String
    let to: String
    let outcome: String
    let reason: String?
    let pauseMilliseconds: Double?
    let at = Date()

    var json: [String: Any] {
        var object: [String: Any] = ["from": from, "to": to, "outcome": outcome,
                                     "at": ISO8601DateFormatter().string(from: at)]
        if let reason { object["reason"] = reason }
        if let pauseMilliseconds { object["pause_ms"] = pauseMilliseconds }
        return object
    }
}
