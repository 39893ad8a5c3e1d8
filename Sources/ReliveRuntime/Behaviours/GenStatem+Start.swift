@_spi(Runtime) import ReliveKit
import DequeModule
import Logging

extension GenStatem {
    /// Starts a gen_statem running the current version of `module` from the
    /// node's module table (`gen_statem:start_link/4` when `link`).
    ///
    /// Returns once the machine's `init` has run (its state enter call and
    /// the events its actions queue are handled after).
    /// - Parameters:
    ///   - name: registers the process under this name before `init` runs.
    ///   - timeout: how long `init` may take; nil waits for ever.
    /// - Throws: ``StartError``: `{already_started, Pid}`, `{undef, Module}`,
    ///   `{bad_behaviour, …}`, the reason `init` stopped with, or the error it threw.
    public static func start(_ module: Atom, args: Term = .list([]), name: Atom? = nil, link: Bool = true,
                             timeout: Duration? = nil, from starter: LocalProcess) async throws -> StartResult {
        let loaded = try ProcLib.currentModule(module, of: starter)
        guard case .genStatem(let callbacks) = loaded.code else { throw ProcLib.badBehaviour(loaded) }
        let parent = starter.pid
        return try await ProcLib.start(from: starter, link: link, timeout: timeout) { process, ack in
            try await GenStatemEngine.run(callbacks, module: loaded, args: args, name: name, parent: parent,
                                          process: process, ack: ack)
        }
    }
}

/// The gen_statem engine (OTP's gen_statem loop): the event queue, postponed
/// events, the three kinds of timeouts, state enter calls and transition
/// actions, around a ``GenStatemCore`` that the sys protocol may swap.
///
/// Timeouts are timers that send `{'$gen_statem_timeout', Ref}` to the
/// process; each running timeout keeps the ref of its timer, so a timeout
/// that was cancelled or restarted after its message was sent is recognised
/// as stale and dropped, exactly as if it had been cancelled in time.
final class GenStatemEngine {
    typealias Event = (type: GenStatemEvent, content: Term)

    /// A running timeout: a timer (its message carries `ref`), or a zero
    /// timeout waiting in ``zeroTimeouts`` (no timer).
    private struct Running {
        let ref: Ref?
        let timer: TimerRef?
        var content: Term
    }

    /// The actions of one transition that act after the callback returned.
    private struct Pending {
        var postpone = false
        var nextEvents: [Event] = []
        var timeouts: [GenStatemAction] = []
    }

    /// Ends the machine with `reason` (stop, stop_and_reply, parent's exit).
    private struct Stop: Error { let reason: Term }

    static let timeoutLabel: Term = .atom("$gen_statem_timeout")
    static let callLabel: Term = .atom("$gen_call")
    static let castLabel: Term = .atom("$gen_cast")

    private var core: any BehaviourCore
    private var system: SystemState
    private let parentExit: Term
    private let process: LocalProcess
    private var queue: Deque<Event> = []
    private var postponed: [Event] = []
    private var timers: [GenStatemTimeout: Running] = [:]
    /// Zero-time timeouts, in the order they were set (OTP's `t0q`): they
    /// fire when no event is queued, before the mailbox is read again.
    private var zeroTimeouts: [GenStatemTimeout] = []
    private var lastEvent: Term = .undefined

    private init(core: any BehaviourCore, parent: Pid, process: LocalProcess) {
        self.core = core
        self.system = SystemState(parent: parent)
        self.parentExit = .pid(parent)
        self.process = process
    }

    static func run<M: GenStatemBehaviour>(_ callbacks: M, module: LoadedModule, args: Term, name: Atom?, parent: Pid,
                                           process: LocalProcess, ack: ProcLib.Ack) async throws {
        try ProcLib.register(name, process, ack: ack)
        let start: GenStatemStart<M.Data>
        do {
            start = try await callbacks.initialize(args, process: process)
        } catch {
            let reason = ExitReason.from(error)
            ack.failed(reason)
            throw ProcessExit(reason)
        }
        switch start {
        case .ignore:
            ack.ignored()
            throw ProcessExit(.normal)
        case .stop(let reason):
            ack.failed(reason)
            throw ProcessExit(reason)
        case .ok(let state, let data, let actions):
            process.runtime.modules.attach(process, to: module)
            defer { process.runtime.modules.detach(process, from: module.name) }
            ack.started()
            let core = GenStatemCore(module: module, callbacks: callbacks, state: state, data: data)
            let engine = GenStatemEngine(core: core, parent: parent, process: process)
            try await engine.run(initialActions: actions)
        @unknown default:
            ack.failed(.tuple([.atom("bad_return_from_init"), .atom("unknown")]))
            throw ProcessExit(.atom("bad_return_from_init"))
        }
    }

    private func machine() throws -> any GenStatemDriving {
        guard let machine = core as? any GenStatemDriving else { throw ProcessExit(.atom("bad_core")) }
        return machine
    }

    private func run(initialActions: [GenStatemAction]) async throws {
        do {
            try await transition(.keepState(actions: initialActions), event: nil, initial: true)
            while true {
                let event = try await nextEvent()
                // Any event cancels the event timeout.
                cancel(.event)
                lastEvent = .tuple([event.type.term, event.content])
                let result = try await machine().handle(event.type, event.content, process: process)
                try await transition(result, event: event, initial: false)
            }
        } catch let stop as Stop {
            if !ExitReason.isNormal(stop.reason) { report(reason: stop.reason) }
            await (try? machine())?.terminate(reason: stop.reason, process: process)
            throw ProcessExit(stop.reason)
        } catch let exit as ProcessExit where !process.isAlive {
            throw exit    // killed: no terminate, as in OTP
        } catch {
            let reason = ExitReason.from(error)
            report(reason: reason)
            await (try? machine())?.terminate(reason: reason, process: process)
            throw ProcessExit(reason)
        }
    }

    // MARK: - Events

    /// The next event: queued ones first (next_event actions, retried
    /// postponed events), then zero timeouts, then the mailbox. System
    /// messages are answered on the way; while suspended only they are taken.
    private func nextEvent() async throws -> Event {
        while true {
            system.syncRelease(process)
            if !system.suspended {
                if let event = queue.popFirst() { return event }
                if !zeroTimeouts.isEmpty {
                    let kind = zeroTimeouts.removeFirst()
                    if let running = timers.removeValue(forKey: kind) { return (Self.eventType(of: kind), running.content) }
                    continue
                }
            }
            let message = try await system.nextMessage(from: process)
            if let (from, request) = SystemState.systemRequest(message) {
                // sys:terminate / gen_server:stop: as the parent's exit.
                if let reason = SystemState.terminateRequest(request) { throw Stop(reason: reason) }
                await system.handle(request, from: from, core: &core, process: process)
                continue
            }
            if case .tuple(let e) = message {
                if e.count == 3, e[0] == .atom(Atom.exit), e[1] == parentExit {
                    throw Stop(reason: e[2])
                }
                if e.count == 2, e[0] == Self.timeoutLabel, case .ref(let ref) = e[1] {
                    // A stale timeout (cancelled or restarted after it was sent) is dropped.
                    guard let (kind, running) = timers.first(where: { $0.value.ref == ref }) else { continue }
                    timers[kind] = nil
                    system.noteIn(message)
                    return (Self.eventType(of: kind), running.content)
                }
                if e.count == 3, e[0] == Self.callLabel, let from = CallFrom(e[1]) {
                    system.noteIn(message)
                    return (.call(from), e[2])
                }
                if e.count == 2, e[0] == Self.castLabel {
                    system.noteIn(message)
                    return (.cast, e[1])
                }
            }
            system.noteIn(message)
            return (.info, message)
        }
    }

    private static func eventType(of kind: GenStatemTimeout) -> GenStatemEvent {
        switch kind {
        case .event: .timeout
        case .state: .stateTimeout
        case .generic(let name): .genericTimeout(name)
        @unknown default: .timeout
        }
    }

    // MARK: - Transitions

    /// Carries out a callback's result: replies, postpone, the state change
    /// (retrying postponed events, cancelling the state timeout), the state
    /// enter call, next events and timeouts, in OTP's order.
    private func transition(_ result: GenStatemResult, event: Event?, initial: Bool) async throws {
        let machine = try machine()
        let oldState = machine.state
        var newState = oldState
        var repeated = initial
        let actions: [GenStatemAction]
        switch result {
        case .nextState(let state, let a):
            newState = state
            actions = a
        case .keepState(let a), .keepStateAndData(let a):
            actions = a
        case .repeatState(let a), .repeatStateAndData(let a):
            actions = a
            repeated = true
        case .stop(let reason):
            throw Stop(reason: reason)
        case .stopAndReply(let reason, let replies):
            try sendReplies(replies, enter: false)
            throw Stop(reason: reason)
        @unknown default:
            throw ProcessExit(.tuple([.atom("bad_return_from_state_function"), .atom("unknown")]))
        }
        var pending = Pending()
        try collect(actions, into: &pending, enter: false, hasEvent: event != nil)
        if pending.postpone, let event { postponed.append(event) }
        let changed = newState != oldState
        machine.state = newState
        if changed {
            // Postponed events are retried, oldest first, before queued ones.
            queue.prepend(contentsOf: postponed)
            postponed.removeAll()
            cancel(.state)
        }
        if machine.stateEnter && (changed || repeated) {
            try await enter(machine, from: oldState, pending: &pending)
        }
        // next_event events come first, in list order.
        queue.prepend(contentsOf: pending.nextEvents)
        startTimeouts(pending.timeouts)
    }

    /// The state enter call (`enter`, OldState). It may not change the state,
    /// postpone, or insert events (OTP's rules).
    private func enter(_ machine: any GenStatemDriving, from oldState: Term, pending: inout Pending) async throws {
        while true {
            let state = machine.state
            lastEvent = .tuple([.atom("enter"), oldState])
            let result = try await machine.handle(.enter, oldState, process: process)
            switch result {
            case .nextState(let next, let actions):
                guard next == state else {
                    throw ProcessExit(.tuple([.atom("bad_state_enter_return_from_state_function"),
                                              .tuple([.atom("next_state"), next])]))
                }
                try collect(actions, into: &pending, enter: true, hasEvent: false)
            case .keepState(let actions), .keepStateAndData(let actions):
                try collect(actions, into: &pending, enter: true, hasEvent: false)
            case .repeatState(let actions), .repeatStateAndData(let actions):
                try collect(actions, into: &pending, enter: true, hasEvent: false)
                continue
            case .stop(let reason):
                throw Stop(reason: reason)
            case .stopAndReply(let reason, let replies):
                try sendReplies(replies, enter: true)
                throw Stop(reason: reason)
            @unknown default:
                throw ProcessExit(.tuple([.atom("bad_state_enter_return_from_state_function"), .atom("unknown")]))
            }
            return
        }
    }

    private func collect(_ actions: [GenStatemAction], into pending: inout Pending, enter: Bool, hasEvent: Bool) throws {
        for action in actions {
            switch action {
            case .postpone:
                guard !enter, hasEvent else { throw badAction(action, enter: enter) }
                pending.postpone = true
            case .nextEvent(let type, let content):
                guard !enter, type != .enter else { throw badAction(action, enter: enter) }
                pending.nextEvents.append((type, content))
            case .reply(let from, let reply):
                from.reply(reply)
                system.noteOut(reply, to: from)
            case .hibernate:
                break
            case .eventTimeout, .stateTimeout, .genericTimeout, .cancelTimeout, .updateTimeout:
                pending.timeouts.append(action)
            @unknown default:
                throw badAction(action, enter: enter)
            }
        }
    }

    private func sendReplies(_ replies: [GenStatemAction], enter: Bool) throws {
        for action in replies {
            guard case .reply(let from, let reply) = action else { throw badAction(action, enter: enter) }
            from.reply(reply)
            system.noteOut(reply, to: from)
        }
    }

    private func badAction(_ action: GenStatemAction, enter: Bool) -> ProcessExit {
        ProcessExit(.tuple([.atom(enter ? "bad_state_enter_action_from_state_function" : "bad_action_from_state_function"),
                            Self.term(action)]))
    }

    // MARK: - Timeouts

    /// Starts, restarts, cancels and updates timeouts in action order, so
    /// the last action for a timeout wins (as OTP's). An event timeout set
    /// while events are queued is cancelled by the first of them.
    private func startTimeouts(_ actions: [GenStatemAction]) {
        for action in actions {
            switch action {
            case .eventTimeout(let after, let content):
                set(.event, after: after, content: content)
            case .stateTimeout(let after, let content):
                set(.state, after: after, content: content)
            case .genericTimeout(let name, let after, let content):
                set(.generic(name), after: after, content: content)
            case .cancelTimeout(let kind):
                cancel(kind)
            case .updateTimeout(let kind, let content):
                if timers[kind] != nil {
                    timers[kind]?.content = content
                } else {
                    set(kind, after: .zero, content: content)
                }
            default:
                break
            }
        }
    }

    /// (Re)starts a timeout; nil (infinity) only cancels it, zero queues it
    /// after the other zero timeouts.
    private func set(_ kind: GenStatemTimeout, after: Duration?, content: Term) {
        cancel(kind)
        guard let after else { return }
        if after <= .zero {
            timers[kind] = Running(ref: nil, timer: nil, content: content)
            zeroTimeouts.append(kind)
            return
        }
        let ref = process.makeRef()
        let timer = process.sendAfter(after, .tuple([Self.timeoutLabel, .ref(ref)]), to: process.pid)
        timers[kind] = Running(ref: ref, timer: timer, content: content)
    }

    private func cancel(_ kind: GenStatemTimeout) {
        guard let running = timers.removeValue(forKey: kind) else { return }
        if let timer = running.timer {
            process.cancelTimer(timer)
        } else {
            zeroTimeouts.removeAll { $0 == kind }
        }
    }

    // MARK: - Reporting

    private func report(reason: Term) {
        let machine = try? machine()
        var metadata: Logger.Metadata = [
            "pid": "\(process.pid)", "module": "\(core.module)", "reason": "\(reason)",
            "last_event": "\(lastEvent)", "state": "\(core.formatStatus())",
            "callback_mode": "\(machine?.mode.rawValue ?? "?")",
            "postponed": "\(postponed.count)", "queued": "\(queue.count)",
        ]
        if let name = process.registeredName { metadata["registered_name"] = "\(name)" }
        process.runtime.logger.error("gen_statem terminating", metadata: metadata)
    }

    static func term(_ action: GenStatemAction) -> Term {
        func time(_ d: Duration?) -> Term {
            guard let d else { return .atom("infinity") }
            return .int(Int(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000))
        }
        func kindTerm(_ k: GenStatemTimeout) -> Term {
            switch k {
            case .event: .atom("timeout")
            case .state: .atom("state_timeout")
            case .generic(let name): .tuple([.atom("timeout"), name])
            @unknown default: .atom("timeout")
            }
        }
        switch action {
        case .postpone: return .atom("postpone")
        case .nextEvent(let type, let content): return .tuple([.atom("next_event"), type.term, content])
        case .reply(let from, let reply): return .tuple([.atom("reply"), from.term, reply])
        case .hibernate: return .atom("hibernate")
        case .eventTimeout(let d, let c): return .tuple([.atom("timeout"), time(d), c])
        case .stateTimeout(let d, let c): return .tuple([.atom("state_timeout"), time(d), c])
        case .genericTimeout(let n, let d, let c): return .tuple([.tuple([.atom("timeout"), n]), time(d), c])
        case .cancelTimeout(let k): return .tuple([kindTerm(k), .atom("cancel")])
        case .updateTimeout(let k, let c): return .tuple([kindTerm(k), .atom("update"), c])
        @unknown default: return .atom("unknown_action")
        }
    }
}
