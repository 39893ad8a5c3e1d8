import Logging
import ReliveKit
import ServiceLifecycle

/// Runs a ``NodeHost`` as a swift-service-lifecycle service: boots the
/// permanent release, serves the control socket and beats the watchdog's
/// heart until the node halts (a `stop` request, a permanent application's
/// end) or a graceful shutdown (SIGTERM, SIGINT) stops its applications in
/// reverse order.
public struct NodeService: Service {
    public let host: NodeHost
    /// Boot the watchdog's trial boot (``TrialBoot``) instead of the permanent release.
    public let trial: Bool

    public init(host: NodeHost, trial: Bool = false) {
        self.host = host
        self.trial = trial
    }

    public func run() async throws {
        host.startHeartbeat()
        try await host.boot(trial: trial)
        let control = try ControlServer(root: host.root, logger: host.node.logger) { [host] op, args, progress in
            try await host.handle(op, args, progress: progress)
        }
        control.start()
        defer { control.stop() }
        let reason = await withGracefulShutdownHandler {
            await host.node.waitForHalt()
        } onGracefulShutdown: { [host] in
            host.stop(reason: .atom("shutdown"))
        }
        host.node.logger.notice("node stopped", metadata: ["reason": "\(reason)"])
        if reason == .atom("restart") { throw RestartRequested() }
        if !Self.isClean(reason) { throw NodeHalted(reason: reason) }
    }

    /// `shutdown` and `normal` are asked-for ends; anything else (a permanent
    /// application's end) is a failure the watchdog restarts.
    static func isClean(_ reason: Term) -> Bool {
        reason == .atom("shutdown") || reason == .atom("normal")
    }

    /// The exit status of a node that asks its watchdog to boot it again at
    /// once (a rollback into an old release): not a failure, not counted
    /// against the restart limit. `relive-heart` knows the same number.
    public static let restartStatus: Int32 = 75

    /// The node halted to be restarted (``restartStatus``).
    public struct RestartRequested: Error, CustomStringConvertible {
        public var description: String { "restarting into the permanent release" }
    }

    /// The node halted for a reason other than being asked to.
    public struct NodeHalted: Error, CustomStringConvertible {
        public let reason: Term
        public var description: String { "node halted: \(reason)" }
    }

    /// Runs a node in the foreground until it stops: SIGTERM and SIGINT stop
    /// it gracefully (through a `ServiceGroup`).
    /// - Throws: ``NodeHalted`` or a boot error (the program exits non-zero,
    ///   and the watchdog restarts it).
    public static func runNode(root: InstallRoot, logger: Logger, trial: Bool = false) async throws {
        let host = NodeHost(root: root, logger: logger)
        let group = ServiceGroup(configuration: .init(
            // The node's end (a stop request) shuts the group down gracefully, not as a failure.
            services: [.init(service: NodeService(host: host, trial: trial), successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}
