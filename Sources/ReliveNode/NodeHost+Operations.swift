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
    public func handle(_ op: String, _ args: [String: String]) async throws -> Any {
        switch op {
        case "ping": return ["pid": Int(getpid())]
        case "status": return status()
        case "releases": return try releases()
        case "processes": return processes()
        case "call": return try await call(try argument("name", args), try argument("term", args))
        case "state": return try await state(try argument("name", args))
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

    private func status() -> [String: Any] {
        let uptime = ContinuousClock.now - started
        let release = booted.withLock { $0 }
        return [
            "release": json(release.map { ["name": $0.name, "version": $0.vsn] as [String: Any] }),
            "applications": release?.applications.map { ["name": $0.name.name, "version": $0.vsn, "type": $0.type] } ?? [],
            "pid": Int(getpid()),
            "watchdog_pid": json(heartDescriptor == nil ? nil : Int(getppid())),
            "restarts": restarts,
            "uptime_seconds": Double(uptime.components.seconds) + Double(uptime.components.attoseconds) / 1e18,
            "processes": node.processCount,
            "upgrades": [] as [Any],
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
