@_spi(Runtime) import ReliveKit
import DequeModule

/// The `sys` side of a behaviour process: suspension, code change (with
/// Relive's revert), state and status requests, statistics and the event log.
///
/// While suspended, a process takes only `{system, From, Request}` messages
/// and its parent's `{'EXIT', Parent, Reason}` from its mailbox (a selective
/// receive, as OTP's `sys` suspended loop), so every other message waits
/// there in its order and is handled after `resume`, while a supervisor
/// shutting down a suspended child (an upgrade being rolled back) still sees
/// it terminate, its `terminate` callback run, at once.
///
/// Beyond OTP's requests it answers `{suspend_change_code, Module, OldVsn,
/// Extra}`: `suspend` and `{change_code, Module, OldVsn, Extra}` as one, the
/// moment it was taken noted in the process
/// (``LocalProcess/systemRequestTaken(by:since:)``) so that the caller can
/// still time the suspend and the change apart.
struct SystemState {
    let parent: Pid?
    private(set) var suspended = false
    /// The core before the first code change of this suspension, kept until
    /// `resume` commits the change or `revert_code` puts it back.
    private var beforeChange: (any BehaviourCore)? = nil
    private let startedAt = ContinuousClock.now
    private(set) var messagesIn = 0
    private(set) var repliesOut = 0
    private var log: (limit: Int, events: Deque<Term>)? = nil

    static let systemLabel: Term = .atom("system")

    init(parent: Pid?) { self.parent = parent }

    /// `(From, Request)` when `message` is a system message.
    static func systemRequest(_ message: Term) -> (CallFrom, Term)? {
        guard case .tuple(let e) = message, e.count == 3, e[0] == systemLabel, let from = CallFrom(e[1]) else { return nil }
        return (from, e[2])
    }

    /// `Reason` when `request` is `{terminate, Reason}` (`sys:terminate`,
    /// `gen_server:stop`), which the behaviour loop carries out itself: it
    /// ends the process, so it is never answered.
    static func terminateRequest(_ request: Term) -> Term? {
        guard case .tuple(let e) = request, e.count == 2, e[0] == .atom(SysAtoms.terminate) else { return nil }
        return e[1]
    }

    /// Whether `message` is `{'EXIT', parent, _}`.
    static func isExit(from parent: Term, _ message: Term) -> Bool {
        guard case .tuple(let e) = message, e.count == 3, e[0] == .atom(Atom.exit) else { return false }
        return e[1] == parent
    }

    /// Whether a suspended process takes `message` now: a system request, or
    /// its parent's exit (OTP's `sys:handle_system_msg` suspended loop).
    static func takenWhileSuspended(_ message: Term, parent: Term) -> Bool {
        systemRequest(message) != nil || isExit(from: parent, message)
    }

    /// Whether a suspended process takes `message` now: one the suspension
    /// lets through, or any once the release handler has released it
    /// (``LocalProcess/releaseSuspension(of:)``).
    static func taken(_ message: Term, parent: Term, by process: LocalProcess) -> Bool {
        takenWhileSuspended(message, parent: parent) || !process.isSystemSuspended
    }

    /// The next message for a behaviour's loop: any message, or, while
    /// suspended, only a system request or the parent's exit (the others wait
    /// in the mailbox, in their order, until `resume`).
    mutating func nextMessage(from process: LocalProcess) async throws -> Term {
        syncRelease(process)
        if suspended {
            let parent = parent.map(Term.pid) ?? .undefined
            let message = try await process.receive(matching: { Self.taken($0, parent: parent, by: process) ? $0 : nil })
            syncRelease(process)
            return message
        }
        return try await process.receive()
    }

    /// Takes in a release by the release handler: the suspension is over and
    /// the change committed, as after a `resume` request. Behaviour loops
    /// call it before they look at `suspended` and after each suspended receive.
    @inline(__always)
    mutating func syncRelease(_ process: LocalProcess) {
        if suspended, !process.isSystemSuspended {
            suspended = false
            beforeChange = nil
        }
    }

    /// Counts (and, when logging, records) a handled message.
    mutating func noteIn(_ message: Term) {
        messagesIn &+= 1
        if log != nil { record(.tuple([.atom("in"), message])) }
    }

    /// Counts (and, when logging, records) a reply sent.
    mutating func noteOut(_ reply: Term, to from: CallFrom) {
        repliesOut &+= 1
        if log != nil { record(.tuple([.atom("out"), reply, .pid(from.replyTo)])) }
    }

    private mutating func record(_ event: Term) {
        guard var current = log else { return }
        current.events.append(event)
        while current.events.count > current.limit { current.events.removeFirst() }
        log = current
    }

    /// Answers one system request; may replace `core`.
    mutating func handle(_ request: Term, from: CallFrom, core: inout any BehaviourCore, process: LocalProcess) async {
        from.reply(await answer(request, core: &core, process: process))
    }

    private mutating func answer(_ request: Term, core: inout any BehaviourCore, process: LocalProcess) async -> Term {
        switch request.atomValue {
        case SysAtoms.suspend?:
            suspended = true
            process.noteSystemSuspended(true)
            return .ok
        case SysAtoms.resume?:
            suspended = false
            process.noteSystemSuspended(false)
            beforeChange = nil   // commit
            return .ok
        case SysAtoms.getState?:
            return core.exportState()
        case SysAtoms.getStatus?:
            return status(core, process: process)
        case SysAtoms.statistics?:
            let uptime = ContinuousClock.now - startedAt
            return .list([
                .tuple([.atom("uptime_ms"), .int(Int(uptime.components.seconds * 1000 + uptime.components.attoseconds / 1_000_000_000_000_000))]),
                .tuple([.atom("messages_in"), .int(messagesIn)]),
                .tuple([.atom("messages_out"), .int(repliesOut)]),
                .tuple([.atom("message_queue_len"), .int(process.messageQueueLength)]),
            ])
        case SysAtoms.getModules?:
            return .tuple([.atom("modules"), .list(core.modules.map { .atom($0.name) })])
        case SysAtoms.getLog?:
            return .list(Array(log?.events ?? []))
        case SysAtoms.revertCode?:
            if let before = beforeChange {
                core = before
                for module in before.modules { process.runtime.modules.attach(process, to: module) }
                beforeChange = nil
            }
            return .ok
        default:
            break
        }
        guard case .tuple(let e) = request, let first = e.first else { return Self.error(.atom("unknown_system_msg")) }
        switch (first.atomValue, e.count) {
        case (SysAtoms.log?, 2):
            if case .tuple(let flag) = e[1], flag.count == 2, flag[0] == .atom("true"), case .int(let limit) = flag[1], limit > 0 {
                log = (limit, log?.events ?? [])
            } else {
                log = nil
            }
            return .ok
        case (SysAtoms.replaceState?, 2):
            do {
                core = try core.replacingState(with: e[1])
                return .ok
            } catch {
                return Self.error(ExitReason.from(error))
            }
        case (SysAtoms.changeCode?, 4):
            return await changeCode(module: e[1], oldVersion: e[2], extra: e[3], core: &core, process: process)
        case (SysAtoms.suspendChangeCode?, 4):
            // Relive's suspend and change_code in one request (an upgrade
            // round sends one message and waits for one answer per process):
            // suspended whatever the change's outcome, as after the two.
            suspended = true
            process.noteSystemSuspended(true)
            process.noteSystemRequestTaken()
            return await changeCode(module: e[1], oldVersion: e[2], extra: e[3], core: &core, process: process)
        default:
            return Self.error(.atom("unknown_system_msg"))
        }
    }

    private mutating func changeCode(module: Term, oldVersion: Term, extra: Term,
                                     core: inout any BehaviourCore, process: LocalProcess) async -> Term {
        guard suspended else { return Self.error(.atom("not_suspended")) }
        guard case .atom(let name) = module, core.runs(name) else {
            return Self.error(.tuple([.atom("not_running"), module]))
        }
        guard let newModule = process.runtime.modules.current(name) else {
            return Self.error(.tuple([.atom("no_such_module"), module]))
        }
        do {
            let changed = try await core.changingCode(to: newModule, oldVersion: oldVersion, extra: extra, process: process)
            if beforeChange == nil { beforeChange = core }
            core = changed
            process.runtime.modules.attach(process, to: newModule)
            return .ok
        } catch {
            // The process keeps its old code and state.
            return Self.error(.tuple([.atom("code_change_failed"), ExitReason.from(error)]))
        }
    }

    private func status(_ core: any BehaviourCore, process: LocalProcess) -> Term {
        .tuple([
            .atom("status"), .pid(process.pid), .tuple([.atom("module"), .atom(core.behaviour.rawValue)]),
            .list([
                .tuple([.atom("module"), .atom(core.module.name)]),
                .tuple([.atom("version"), core.module.versionTerm]),
                .tuple([.atom("status"), .atom(suspended ? "suspended" : "running")]),
                .tuple([.atom("parent"), parent.map(Term.pid) ?? .undefined]),
                .tuple([.atom("registered_name"), process.registeredName.map(Term.atom) ?? .list([])]),
                .tuple([.atom("state"), core.formatStatus()]),
            ]),
        ])
    }

    static func error(_ reason: Term) -> Term { .tuple([.atom(Atom.error), reason]) }
}

/// The sys requests' atoms, interned once: a string-literal atom in a
/// `case` pattern interns its name (a locked table lookup) on every match,
/// which was 5 % of an upgrade round's samples.
private enum SysAtoms {
    static let terminate: Atom = "terminate"
    static let suspend: Atom = "suspend"
    static let resume: Atom = "resume"
    static let getState: Atom = "get_state"
    static let getStatus: Atom = "get_status"
    static let statistics: Atom = "statistics"
    static let getModules: Atom = "get_modules"
    static let getLog: Atom = "get_log"
    static let revertCode: Atom = "revert_code"
    static let log: Atom = "log"
    static let replaceState: Atom = "replace_state"
    static let changeCode: Atom = "change_code"
    static let suspendChangeCode: Atom = "suspend_change_code"
}
