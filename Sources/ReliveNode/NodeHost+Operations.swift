import Foundation
import Glibc
import ReliveKit
import ReliveReleases
import ReliveRuntime

extension NodeHost {
    /// The control socket's operations (see ``ControlProtocol``). Each returns
    /// a JSON-serialisable value.
    /// - Throws: ``NodeError``: `usage` for an unknown operation or a bad
    ///   argument, `failed` for an operation that went wrong.
    ///   `progress` sends a line to the client before the reply (long steps).
    public func handle(_ op: String, _ args: [String: String], progress: @escaping ControlProgress = { _ in }) async throws -> Any {
        switch op {
        case "ping": return ["pid": Int(getpid())]
        case "status": return status()
        case "releases": return try releases()
        case "processes": return processes()
        case "call": return try await call(try argument("name", args), try argument("term", args))
        case "state": return try await state(try argument("name", args))
        case "unpack": return try await unpack(try argument("bundle", args), allowUnsigned: args["allow_unsigned"] == "true")
        case "install": return try await install(try argument("version", args), progress: progress)
        case "make_permanent": return try await makePermanent(try argument("version", args))
        case "remove": return try await remove(try argument("version", args))
        case "upgrade":
            let window = try durationArgument("health_window", args) ?? .seconds(10)
            let maxExits = try intArgument("max_exits", args) ?? 3
            return try await upgrade(try argument("bundle", args), window: window, maxExits: maxExits,
                                     allowUnsigned: args["allow_unsigned"] == "true", progress: progress)
        case "rollback": return try await rollback(to: args["version"], progress: progress)
        case "upgrade_outcome": return await upgradeOutcome()
        case "metrics":
            metrics.processes(node.processCount)
            return metrics.text()
        case "stop":
            stop()
            return ["stopping": true]
        default:
            throw NodeError(.usage, "unknown operation \(op)")
        }
    }

    /// `value`, or JSON's null.
    private func json(_ value: Any?) -> Any { value ?? NSNull() }

    private func argument(_ name: String, _ args: [String: String]) throws(NodeError) -> String {
        guard let value = args[name] else { throw NodeError(.usage, "missing argument \(name)") }
        return value
    }

    /// Seconds, as a decimal string (the tool parses `10s`, `500ms`, `2m`).
    private func durationArgument(_ name: String, _ args: [String: String]) throws(NodeError) -> Duration? {
        guard let text = args[name] else { return nil }
        guard let seconds = Double(text), seconds.isFinite, seconds >= 0, seconds <= 86_400 else {
            throw NodeError(.usage, "argument \(name) is not a number of seconds between 0 and 86400: \(text)")
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    private func intArgument(_ name: String, _ args: [String: String]) throws(NodeError) -> Int? {
        guard let text = args[name] else { return nil }
        guard let value = Int(text), value >= 0 else { throw NodeError(.usage, "argument \(name) is not a count: \(text)") }
        return value
    }

    private func status() -> [String: Any] {
        let uptime = ContinuousClock.now - started
        let release = booted.withLock { $0 }
        return [
            "release": json(release.map { ["name": $0.name, "version": $0.vsn] as [String: Any] }),
            "applications": release?.applications.map { ["name": $0.name.name, "version": $0.vsn, "type": $0.type] } ?? [],
            "pid": Int(getpid()),
            "host": hostVersion,
            "watchdog_pid": json(heartDescriptor == nil ? nil : Int(getppid())),
            "restarts": restarts,
            "uptime_seconds": Double(uptime.components.seconds) + Double(uptime.components.attoseconds) / 1e18,
            "processes": node.processCount,
            // The fast path: the scheduler installed as Swift's default executor.
            "default_executor": node.runsOnDefaultExecutor,
            "upgrades": upgrades.withLock { $0.map(\.json) },
            "operation": json(releaseOperation.withLock { $0 }),
        ]
    }

    private func releases() throws(NodeError) -> [[String: Any]] {
        try root.releases().releases.map { ["name": $0.name, "version": $0.vsn, "state": $0.status.rawValue] }
    }

    private func processes() -> [[String: Any]] {
        // Who runs which module version: the module table knows every behaviour process.
        var running: [Pid: (module: Atom, version: String)] = [:]
        for module in node.modules.names {
            for user in node.modules.users(of: module) { running[user.pid] = (module, user.version) }
        }
        var names: [Pid: Atom] = [:]
        for name in node.registeredNames {
            if let pid = node.whereis(name) { names[pid] = name }
        }
        let pids = Set(running.keys).union(names.keys)
        return pids.sorted { "\($0)" < "\($1)" }.map { pid in
            let entry = running[pid]
            var row: [String: Any] = [
                "pid": "\(pid)",
                "name": json(names[pid].map { $0.name }),
                "module": json(entry.map { $0.module.name }),
                "version": json(entry.map { $0.version }),
                "behaviour": json(entry.flatMap { node.modules.current($0.module)?.code.kind.rawValue }),
            ]
            row["message_queue_len"] = node.inboxLength(of: pid) ?? 0
            return row
        }
    }

    private func call(_ name: String, _ text: String) async throws -> String {
        let request = try parseTerm(text)
        let reply = try await node.run { process in
            try await GenServer.call(Atom(name), request, timeout: .seconds(30), process: process)
        }
        return try format(reply)
    }

    private func state(_ name: String) async throws -> String {
        guard let pid = node.whereis(Atom(name)) else { throw NodeError(.failed, "no process is registered as \(name)") }
        let state = try await node.run { process in try await Sys.getState(pid, timeout: .seconds(30), process: process) }
        return try format(state)
    }

    /// One Erlang term, with or without its final `.`.
    private func parseTerm(_ text: String) throws(NodeError) -> Term {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let source = trimmed.hasSuffix(".") ? trimmed : trimmed + "."
        let document: TermDocument
        do { document = try TermFile.parse(source, file: "<term>") } catch { throw NodeError(.usage, "bad term: \(error)") }
        guard document.terms.count == 1 else { throw NodeError(.usage, "give exactly one term") }
        return document.terms[0]
    }

    private func format(_ term: Term) throws -> String {
        var text = try TermFile.format([term])
        while text.hasSuffix("\n") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
