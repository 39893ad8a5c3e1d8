import Logging
import ReliveKit
import ReliveRuntime
import Testing

/// Crash reports: every abnormal exit is logged (pid, reason, registered
/// name) through the node's swift-log Logger; normal exits are not. The log
/// sink is a test double (`CapturingLogHandler`) because a real sink cannot
/// be read back.
@Suite struct CrashReportTests {
    static func capturingNode() -> (Node, Box<[CapturingLogHandler.Record]>) {
        let records = Box<[CapturingLogHandler.Record]>([])
        let logger = Logger(label: "relive.test.crash", factory: { _ in CapturingLogHandler(into: records) })
        return (makeNode(logger: logger), records)
    }

    static func reports(about pid: Pid, in records: Box<[CapturingLogHandler.Record]>) -> [CapturingLogHandler.Record] {
        records.value.filter { $0.metadata["pid"]?.description == pid.description }
    }

    @Test func abnormalExitLogsACrashReport() async throws {
        let (node, records) = Self.capturingNode()
        defer { node.shutdown() }
        let pid = try await node.run { p in
            let me = p.pid
            let (pid, ref) = p.spawnMonitor { c in
                try c.register("crashy")
                c.send("registered", to: me)
                _ = try await c.next("go")
                throw Boom("reported")
            }
            _ = try await p.expect("registered") { $0 == "registered" ? $0 : nil }
            p.send("go", to: pid)
            _ = try await p.down(ref)
            return pid
        }
        #expect(await eventually { !Self.reports(about: pid, in: records).isEmpty })
        let reports = Self.reports(about: pid, in: records)
        #expect(reports.count == 1)
        guard let report = reports.first else { return }
        #expect(report.level >= .error)
        #expect(report.message.contains(pid.description))
        #expect(report.metadata["registered_name"]?.description == "crashy")
        let reason = report.metadata["reason"]?.description ?? ""
        #expect(reason.contains("boom: reported"))
        #expect(reason.contains("Boom"))
    }

    @Test func killedProcessLogsACrashReport() async throws {
        let (node, records) = Self.capturingNode()
        defer { node.shutdown() }
        let pid = try await node.run { p in
            let victim = p.spawn { c in _ = try await c.receive(timeout: nil) { _ -> Term? in nil } }
            let ref = p.monitor(victim)
            p.exit(victim, reason: .atom(Atom.kill))
            _ = try await p.down(ref)
            return victim
        }
        #expect(await eventually { !Self.reports(about: pid, in: records).isEmpty })
        let report = Self.reports(about: pid, in: records).first
        #expect(report?.metadata["reason"]?.description == "killed")
        // Not registered: no name in the report.
        #expect(report?.metadata["registered_name"] == nil)
    }

    /// `normal`, `shutdown` and `{shutdown, _}` are normal ends: no report.
    /// A crash afterwards serves as a marker that reports are being written.
    @Test func normalExitsLogNoCrashReport() async throws {
        let (node, records) = Self.capturingNode()
        defer { node.shutdown() }
        let (quiet, marker) = try await node.run { p in
            var quiet: [Pid] = []
            for reason: Term in [.normal, .atom(Atom.shutdown), .tuple([.atom(Atom.shutdown), "bye"])] {
                let (pid, ref) = p.spawnMonitor { c in
                    try c.register(Atom("quiet_\(c.pid.serial)"))
                    if reason == .normal { return }
                    throw ProcessExit(reason)
                }
                _ = try await p.down(ref)
                quiet.append(pid)
            }
            let (marker, ref) = p.spawnMonitor { _ in throw Boom("marker") }
            _ = try await p.down(ref)
            return (quiet, marker)
        }
        // A crash report is logged before the process's 'DOWN' is sent (as
        // OTP's proc_lib reports before the exit), so the DOWNs we waited for
        // are the synchronisation: no wait for reports not to appear.
        #expect(!Self.reports(about: marker, in: records).isEmpty)
        for pid in quiet { #expect(Self.reports(about: pid, in: records).isEmpty) }
    }

    /// Shutting a node down kills the processes still running; that is the
    /// node stopping, not those processes crashing.
    @Test func shutdownIsNotACrash() async throws {
        let (node, records) = Self.capturingNode()
        let idle = node.spawn { c in _ = try await c.receive(timeout: nil) { _ -> Term? in nil } }
        #expect(await eventually { node.processCount == 1 })
        node.shutdown()
        // shutdown() ends every process before it returns, and a crash report
        // would be logged as the process ends: nothing to wait for.
        #expect(node.exitReason(of: idle) == .atom(Atom.killed))
        #expect(Self.reports(about: idle, in: records).isEmpty)
    }
}
