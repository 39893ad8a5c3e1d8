import Logging
import ReliveKit
import ReliveRuntime
import Synchronization

// MARK: - A code lock door, in both callback modes

/// The door's data (typed while one version runs).
struct DoorData: Sendable {
    var code: [Int]
    var input: [Int] = []
    /// The states entered, in order (state enter calls).
    var enters: [Term] = []

    var term: Term {
        [.atom("code"): .list(code.map(Term.int)), .atom("input"): .list(input.map(Term.int)), .atom("enters"): .list(enters)]
    }

    init(code: [Int]) { self.code = code }

    init(_ term: Term) throws {
        guard case .map(let m) = term, let code = m[.atom("code")]?.listElements,
              let input = m[.atom("input")]?.listElements, let enters = m[.atom("enters")]?.listElements else {
            throw GenStatemError.badData(term)
        }
        self.code = code.compactMap(\.intValue)
        self.input = input.compactMap(\.intValue)
        self.enters = enters
    }
}

/// The door's logic, one function per state, shared by both modes: `locked`
/// opens on the right code (a call per button); `open` locks again on a
/// state timeout set by its enter call, and postpones buttons until then.
enum Door {
    static let openTime: Duration = .milliseconds(40)
    static let locked: Term = .atom("locked"), open: Term = .atom("open")

    static func locked(_ event: GenStatemEvent, _ content: Term, _ data: inout DoorData) -> GenStatemResult {
        switch (event, content) {
        case (.enter, _):
            data.enters.append(locked)
            return .keepState
        case (.call(let from), .tuple(let e)) where e.count == 2 && e[0] == .atom("button"):
            data.input.append(e[1].intValue ?? -1)
            if Array(data.input.suffix(data.code.count)) == data.code {
                data.input = []
                return .nextState(open, actions: [.reply(from, open)])
            }
            return .keepState(actions: [.reply(from, locked)])
        default:
            return common(event, content, &data)
        }
    }

    static func open(_ event: GenStatemEvent, _ content: Term, _ data: inout DoorData) -> GenStatemResult {
        switch (event, content) {
        case (.enter, _):
            data.enters.append(open)
            return .keepState(actions: [.stateTimeout(openTime, .atom("lock"))])
        case (.stateTimeout, .atom("lock")):
            return .nextState(locked)
        case (.call, .tuple(let e)) where e.first == .atom("button"):
            return .keepStateAndData(actions: [.postpone])
        default:
            return common(event, content, &data)
        }
    }

    static func common(_ event: GenStatemEvent, _ content: Term, _ data: inout DoorData) -> GenStatemResult {
        switch (event, content) {
        case (.call(let from), .atom("stop")):
            return .stopAndReply(.normal, replies: [.reply(from, .ok)])
        case (.call(let from), .atom("version")):
            return .keepStateAndData(actions: [.reply(from, .atom("v1"))])
        default:
            return .keepStateAndData
        }
    }
}

/// The door in state-functions mode: the engine looks the state's function up by the state atom.
struct DoorStateFunctions: GenStatemBehaviour {
    var callbackMode: GenStatemCallbackMode { .stateFunctions }
    var stateEnter: Bool { true }

    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenStatemStart<DoorData> {
        .ok(state: Door.locked, data: DoorData(code: args.listElements?.compactMap(\.intValue) ?? [1, 2, 3]))
    }

    var stateFunctions: [Atom: GenStatemStateFunction<DoorData>] {
        [
            "locked": .init { event, content, data, _ in Door.locked(event, content, &data) },
            "open": .init { event, content, data, _ in Door.open(event, content, &data) },
        ]
    }

    func exportData(_ data: DoorData) -> Term { data.term }
    func importData(_ term: Term) throws -> DoorData { try DoorData(term) }
}

/// The same door in handle-event-function mode: one function switches on the state.
struct DoorHandleEvent: GenStatemBehaviour {
    var callbackMode: GenStatemCallbackMode { .handleEventFunction }
    var stateEnter: Bool { true }

    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenStatemStart<DoorData> {
        .ok(state: Door.locked, data: DoorData(code: args.listElements?.compactMap(\.intValue) ?? [1, 2, 3]))
    }

    func handleEvent(_ event: GenStatemEvent, _ content: Term, state: Term, data: inout DoorData,
                     process: any ProcessContext) async throws -> GenStatemResult {
        state == Door.open ? Door.open(event, content, &data) : Door.locked(event, content, &data)
    }

    func exportData(_ data: DoorData) -> Term { data.term }
    func importData(_ term: Term) throws -> DoorData { try DoorData(term) }
}

/// Version 2 of the door (module `door`, upgraded from ``DoorStateFunctions``):
/// handle-event-function mode, states `{door, locked | open}`, and data that
/// remembers the version it was upgraded from.
struct DoorV2: GenStatemBehaviour {
    struct Data: Sendable { var door: DoorData; var upgradedFrom: Term }

    var callbackMode: GenStatemCallbackMode { .handleEventFunction }
    var stateEnter: Bool { true }

    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenStatemStart<Data> {
        .ok(state: .tuple([.atom("door"), Door.locked]), data: Data(door: DoorData(code: [1, 2, 3]), upgradedFrom: .undefined))
    }

    func handleEvent(_ event: GenStatemEvent, _ content: Term, state: Term, data: inout Data,
                     process: any ProcessContext) async throws -> GenStatemResult {
        if case .call(let from) = event, content == .atom("version") {
            return .keepStateAndData(actions: [.reply(from, .atom("v2"))])
        }
        let inner = state[element: 1] ?? Door.locked
        let result = inner == Door.open ? Door.open(event, content, &data.door) : Door.locked(event, content, &data.door)
        if case .nextState(let next, let actions) = result {
            return .nextState(.tuple([.atom("door"), next]), actions: actions)
        }
        return result
    }

    func codeChange(oldVersion: Term, state: Term, data: Term, extra: Term) throws -> (state: Term, data: Data) {
        if extra == .atom("refuse") { throw GenStatemError.badData(data) }
        return (.tuple([.atom("door"), state]), Data(door: try DoorData(data), upgradedFrom: oldVersion))
    }

    func exportData(_ data: Data) -> Term { .tuple([data.door.term, data.upgradedFrom]) }
    func importData(_ term: Term) throws -> Data {
        guard case .tuple(let e) = term, e.count == 2 else { throw GenStatemError.badData(term) }
        return Data(door: try DoorData(e[0]), upgradedFrom: e[1])
    }
}

// MARK: - A probe for timeouts, postpone and next_event

/// Handle-event-function mode; data is the observer's pid. Every event but
/// the `{do, Ops}` casts that drive it is reported to the observer as
/// `{Type, Content, State}`. In state `hold` other casts and infos are
/// postponed (and not reported). Ops: `{event_timeout, Ms | infinity, Msg}`,
/// `{state_timeout, Ms | infinity, Msg}`, `{generic, Name, Ms | infinity, Msg}`,
/// `{cancel, event | state | Name}`, `{update, event | state | Name, Msg}`,
/// `{goto, State}`, `{next, Content}` (an internal `{do, Ops}` is run too).
struct Probe: GenStatemBehaviour {
    typealias Data = Term

    var callbackMode: GenStatemCallbackMode { .handleEventFunction }

    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenStatemStart<Term> {
        .ok(state: args[element: 1] ?? .atom("idle"), data: args[element: 0] ?? .undefined)
    }

    static func time(_ t: Term) -> Duration? { t.intValue.map { .milliseconds($0) } }

    func handleEvent(_ event: GenStatemEvent, _ content: Term, state: Term, data: inout Term,
                     process: any ProcessContext) async throws -> GenStatemResult {
        if event == .cast || event == .internal, content[element: 0] == .atom("do"),
           let ops = content[element: 1]?.listElements {
            func timeoutKind(_ term: Term) -> GenStatemTimeout {
                switch term {
                case .atom("event"): .event
                case .atom("state"): .state
                default: .generic(term)
                }
            }
            var next: Term? = nil
            var actions: [GenStatemAction] = []
            for op in ops {
                guard case .tuple(let e) = op, let kind = e.first else { continue }
                switch kind {
                case .atom("event_timeout"): actions.append(.eventTimeout(Self.time(e[1]), e[2]))
                case .atom("state_timeout"): actions.append(.stateTimeout(Self.time(e[1]), e[2]))
                case .atom("generic"): actions.append(.genericTimeout(e[1], Self.time(e[2]), e[3]))
                case .atom("cancel"): actions.append(.cancelTimeout(timeoutKind(e[1])))
                case .atom("update"): actions.append(.updateTimeout(timeoutKind(e[1]), e[2]))
                case .atom("goto"): next = e[1]
                case .atom("next"): actions.append(.nextEvent(.internal, e[1]))
                default: break
                }
            }
            return next.map { .nextState($0, actions: actions) } ?? .keepState(actions: actions)
        }
        if state == .atom("hold"), event == .cast || event == .info {
            return .keepStateAndData(actions: [.postpone])
        }
        if case .call(let from) = event {
            return .keepStateAndData(actions: [.reply(from, .tuple([.atom("state"), state]))])
        }
        data.pidValue?.send(.tuple([event.term, content, state]))
        return .keepStateAndData
    }
}

/// A machine whose enter call returns an action OTP forbids there (postpone).
struct BadEnter: GenStatemBehaviour {
    typealias Data = Term
    var callbackMode: GenStatemCallbackMode { .handleEventFunction }
    var stateEnter: Bool { true }

    func initialize(_ args: Term, process: any ProcessContext) async throws -> GenStatemStart<Term> {
        .ok(state: .atom("start"), data: .list([]))
    }

    func handleEvent(_ event: GenStatemEvent, _ content: Term, state: Term, data: inout Term,
                     process: any ProcessContext) async throws -> GenStatemResult {
        .keepState(actions: [.postpone])
    }
}

// MARK: - Capturing the node's reports

/// A log handler that keeps every record, for tests that check reports.
final class LogCapture: Sendable {
    struct Record: Sendable { let message: String; let metadata: [String: String] }
    private let records = Mutex<[Record]>([])

    var all: [Record] { records.withLock { $0 } }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(capture: self) }
    }

    func append(_ record: Record) { records.withLock { $0.append(record) } }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var metadataProvider: Logger.MetadataProvider? = nil
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var flat: [String: String] = [:]
            for (key, value) in event.metadata ?? [:] { flat[key] = "\(value)" }
            capture.append(Record(message: "\(event.message)", metadata: flat))
        }
    }
}
