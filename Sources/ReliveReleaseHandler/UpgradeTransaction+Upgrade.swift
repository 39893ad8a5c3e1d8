import ReliveCodeServer
import ReliveKit
import ReliveRuntime

extension UpgradeTransaction {
    /// The processes running a version of `modules` other than the current
    /// one, each with the version it runs (linear in the number of users).
    public static func targets(of modules: [Atom], in node: Node) -> [ChangeTarget] {
        var targets: [ChangeTarget] = []
        for module in modules {
            guard let current = node.modules.current(module) else { continue }
            for user in node.modules.users(of: module) where user.version != current.version {
                targets.append(ChangeTarget(pid: user.pid, module: module, oldVersion: .string(user.version)))
            }
        }
        return targets
    }

    /// The whole transaction for plugins already loaded: the processes
    /// running an old version of `modules` are suspended together, changed
    /// to the current version, and resumed; on any failure every one is put
    /// back on its old code and state, and `plugins` are rolled back in
    /// `codeServer` (their modules' previous versions current again).
    /// - Parameters:
    ///   - extra: the `Extra` of `code_change`.
    ///   - suspendTimeout, changeTimeout, resumeTimeout: per round.
    /// - Returns: the commit's report (resume failures after commit are reported, not rolled back).
    /// - Throws: ``UpgradeFailure`` once everything is rolled back.
    @discardableResult
    public static func upgrade(_ modules: [Atom], extra: Term = .list([]),
                               suspendTimeout: Duration = .seconds(5), changeTimeout: Duration = .seconds(5),
                               resumeTimeout: Duration = .seconds(5),
                               rollingBack plugins: [LoadedPlugin] = [], in codeServer: CodeServer? = nil,
                               node: Node, from caller: LocalProcess,
                               configure: (UpgradeTransaction) -> Void = { _ in }) async throws(UpgradeFailure) -> CommitReport {
        let transaction = UpgradeTransaction(node: node, caller: caller) {
            if let codeServer { for plugin in plugins.reversed() { codeServer.rollBack(plugin) } }
            else { node.modules.rollBack(plugins.flatMap(\.modules)) }
        }
        configure(transaction)
        let targets = Self.targets(of: modules, in: node)
        var seen = Set<Pid>()
        let pids = targets.compactMap { seen.insert($0.pid).inserted ? $0.pid : nil }
        try await transaction.suspend(pids, timeout: suspendTimeout)
        try await transaction.changeCode(targets, extra: extra, timeout: changeTimeout)
        return await transaction.commit(timeout: resumeTimeout)
    }
}
