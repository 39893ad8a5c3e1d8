import Foundation
import Glibc
import Logging
import ReliveCodeServer
import ReliveKit
@_spi(Testing) import ReliveReleaseHandler
import ReliveReleases
import ReliveRuntime
import ReliveTCP
import Synchronization

/// A running node: the Relive node, its code server, the release it booted,
/// its control socket and heartbeat. `relive node run` makes one and runs it
/// under swift-service-lifecycle (``NodeService``).
public final class NodeHost: Sendable {
    public let root: InstallRoot
    public let node: Node
    public let code: CodeServer
    public let metrics = NodeMetrics()
    let started = ContinuousClock.now
    let booted = Mutex<BootedRelease?>(nil)
    /// The root's release handler, from boot on.
    let releaseHandler = Mutex<ReleaseHandler?>(nil)
    /// The release operation under way (one at a time, as OTP's release_handler).
    let releaseOperation = Mutex<String?>(nil)
    /// This incarnation's upgrades and rollbacks, oldest first.
    let upgrades = Mutex<[UpgradeRecord]>([])
    /// How many times the watchdog restarted this node before (from `RELIVE_HEART_RESTARTS`).
    let restarts: Int
    /// The watchdog's pipe, when running under one (`RELIVE_HEART_FD`).
    let heartDescriptor: Int32?
    /// Crash-consistency tests only (`RELIVE_TEST_KILL_AT`): the release
    /// handler step at which the node kills itself with SIGKILL, once.
    let killAt: String?
    /// The host this node runs as (``ReliveHost``).
    public let hostVersion: String
    /// The health gate of a trial boot, while it runs (``TrialBoot``).
    let trialGate = Mutex<Task<Void, Never>?>(nil)

    public init(root: InstallRoot, logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.root = root
        self.node = Node(name: "relive@localhost", logger: logger)
        self.code = CodeServer(node: node)
        _ = TCP(node: node) // the node's TCP (held by the node): plugin code can listen and connect
        self.restarts = Int(environment["RELIVE_HEART_RESTARTS"] ?? "") ?? 0
        self.heartDescriptor = Int32(environment["RELIVE_HEART_FD"] ?? "")
        self.killAt = environment["RELIVE_TEST_KILL_AT"]
        self.hostVersion = ReliveHost.current(environment: environment)
        metrics.nodeRestarts(restarts)
    }

    /// Boots the permanent release (through ``NodeBoot``), or with `trial`
    /// the release of the trial boot the watchdog started (``TrialBoot``),
    /// whose health gate then runs.
    /// - Throws: ``NodeError`` naming what failed.
    public func boot(trial: Bool = false) async throws {
        // Relative paths in an application's environment (data folders) mean the install root.
        guard chdir(root.path) == 0 else { throw NodeError(.failed, "chdir \(root.path): \(String(cString: strerror(errno)))") }
        let started = trial ? try startedTrial() : nil
        let (release, handler) = try await node.run { [self] process in
            try await NodeBoot.boot(root: root, node: node, code: code, host: hostVersion, trial: started?.vsn, from: process)
        }
        booted.withLock { $0 = release }
        if let step = killAt { handler.checkpoint = Self.killer(at: step, marker: root.runDirectory + "/killed-at-" + step) }
        releaseHandler.withLock { $0 = handler }
        node.logger.notice("booted", metadata: ["release": "\(release.name) \(release.vsn)", "host": "\(hostVersion)", "trial": "\(trial)"])
        if let started { startTrialGate(started, handler: handler) } else { settleTrial(handler: handler) }
    }

    /// The test hook behind `RELIVE_TEST_KILL_AT`: SIGKILL at `step`, the
    /// first time only (a marker file remembers it across the restart).
    private static func killer(at step: String, marker: String) -> @Sendable (ReleaseHandler.Checkpoint) -> Void {
        { checkpoint in
            guard checkpoint.rawValue == step, !FileManager.default.fileExists(atPath: marker) else { return }
            _ = FileManager.default.createFile(atPath: marker, contents: nil)
            kill(getpid(), SIGKILL)
        }
    }

    /// Sends a heartbeat to the watchdog every `interval`, from a process on
    /// the node: a node whose schedulers hang stops beating, and the watchdog
    /// restarts it (OTP's heart).
    public func startHeartbeat(interval: Duration = .milliseconds(500)) {
        guard let fd = heartDescriptor else { return }
        node.spawn { process in
            while true {
                var beat: UInt8 = 0x68 // "h"
                if write(fd, &beat, 1) < 0 && errno != EINTR && errno != EAGAIN { return }
                _ = try await process.receive(timeout: interval, matching: { $0 })
            }
        }
    }

    /// Stops the applications in reverse start order, then halts the node
    /// with `reason` (``NodeService`` then returns and the program exits).
    public func stop(reason: Term = .atom("shutdown")) {
        node.spawn { [node] process in
            await node.applications.stopAll(from: process)
            node.halt(reason: reason)
        }
    }
}
