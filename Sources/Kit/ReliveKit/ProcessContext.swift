/// The process API a callback may use: the calling process's view of the
/// runtime (Erlang's BIFs for `self()`, `!`, `receive`, links, monitors, the
/// registry and timers).
///
/// The runtime implements it; plugins see only this protocol, so the runtime
/// can change without rebuilding them. Every method is called from the process
/// itself (it is not thread-safe to call it on another process's context).
public protocol ProcessContext: AnyObject, Sendable {
    /// This process's pid (`self()`).
    var pid: Pid { get }

    /// Sends `message` to `pid`. Never blocks, never fails; a message to a
    /// dead process is dropped. Messages from one sender to one receiver
    /// arrive in the order sent.
    func send(_ message: Term, to pid: Pid)

    /// Sends `message` to the process registered as `name`.
    /// - Throws: `RegistryError.notRegistered` when no process has that name
    ///   (Erlang raises `badarg`).
    func send(_ message: Term, to name: Atom) throws

    /// Takes the oldest message from the mailbox, waiting for one.
    ///
    /// Both receives are `nonisolated(nonsending)`: they run on the
    /// caller's executor and return on it, so a process that waits pays one
    /// executor check when it is resumed, not one more per async frame the
    /// answer passes back through (five per receive before; each reads the
    /// task's 16-byte status with a locked instruction).
    /// - Throws: `ProcessExit` when the process is killed while it waits.
    nonisolated(nonsending) func receive() async throws -> Term

    /// Selective receive: takes the oldest message for which `match` returns a
    /// value, leaving the others in the mailbox in their order.
    /// - Parameters:
    ///   - timeout: how long to wait for a matching message; nil waits forever,
    ///     `.zero` only looks at what is already there.
    ///   - match: returns nil for messages it does not want. It must not call
    ///     back into the process's mailbox.
    /// - Returns: the match, or nil when the timeout passed first.
    /// - Throws: `ProcessExit` when the process is killed while it waits.
    nonisolated(nonsending) func receive<T>(timeout: Duration?, matching match: (Term) throws -> T?) async throws -> T?

    /// Starts a new process running `body` (`spawn`, `spawn_link`,
    /// `spawn_monitor` as chosen by `options`).
    func spawn(
        _ options: SpawnOptions,
        _ body: @escaping @Sendable (any ProcessContext) async throws -> Void
    ) -> Spawned

    /// Links this process with `pid` (bidirectional). Linking to a dead
    /// process gives a trapping process an `{'EXIT', Pid, noproc}` message.
    /// - Throws: `ProcessExit(noproc)` when `pid` is dead and this process
    ///   does not trap exits: OTP's catchable `noproc` error, not an exit
    ///   signal, so a process that catches it goes on.
    func link(_ pid: Pid) throws

    /// Removes the link with `pid`, if any.
    func unlink(_ pid: Pid)

    /// Monitors `pid`: when it ends, this process receives
    /// `{'DOWN', Ref, process, Pid, Reason}`; a dead `pid` gives `noproc` at once.
    func monitor(_ pid: Pid) -> Ref

    /// Monitors the process registered as `name` now (`monitor(process,
    /// Name)`): its `'DOWN'` names `{Name, Node}` instead of the pid; when no
    /// process has the name, `{'DOWN', Ref, process, {Name, Node}, noproc}`
    /// arrives at once, as in OTP.
    func monitor(_ name: Atom) -> Ref

    /// Removes a monitor. With `flush`, also removes its `'DOWN'` message
    /// if it already arrived. Returns whether the monitor was still active.
    @discardableResult
    func demonitor(_ ref: Ref, flush: Bool) -> Bool

    /// Sends an exit signal with `reason` to `pid` (Erlang's `exit/2`): `kill`
    /// ends it unconditionally (its links see `killed`); `normal` is ignored by
    /// a process that does not trap exits.
    func exit(_ pid: Pid, reason: Term)

    /// Whether exit signals arrive as `{'EXIT', From, Reason}` messages.
    var trapExit: Bool { get set }

    /// Registers this process as `name`.
    /// - Throws: `RegistryError` when the name is taken or the process already has one.
    func register(_ name: Atom) throws

    /// Removes this process's registered name, if any.
    func unregister()

    /// The process registered as `name`, if any.
    func whereis(_ name: Atom) -> Pid?

    /// Sends `message` to `pid` after `delay` (`erlang:send_after/3`).
    func sendAfter(_ delay: Duration, _ message: Term, to pid: Pid) -> TimerRef

    /// Sends `message` after `delay` to the process registered as `name` when
    /// the timer fires (`erlang:send_after/3` with a name); dropped when no
    /// process has the name then.
    func sendAfter(_ delay: Duration, _ message: Term, to name: Atom) -> TimerRef

    /// Cancels a timer; returns false when it already fired or was cancelled.
    @discardableResult
    func cancelTimer(_ timer: TimerRef) -> Bool

    /// A new reference, unique on this node incarnation.
    func makeRef() -> Ref

    /// The first of `count` new references with consecutive ids
    /// (`first.id ..< first.id + count`, all on this node), so that a batch
    /// of requests can find each reply's index by subtraction.
    func makeRefs(_ count: Int) -> Ref

    /// A new alias of this process (Erlang's `alias/0`): a pid whose messages
    /// arrive in this process's mailbox until ``unalias(_:)``, and are dropped
    /// after. Calls use one as their reply address so late replies vanish.
    func alias() -> Pid

    /// Deactivates an alias; later messages to it are dropped.
    func unalias(_ alias: Pid)

    /// Lets other processes run before this one continues.
    func yield() async

    /// Starts a process running the current version of the behaviour module
    /// `module` (gen_server, gen_statem, supervisor, …) from the node's module
    /// table, linked to this process when `link`, and returns once its `init`
    /// has run (OTP's `Module:start_link`).
    /// - Parameters:
    ///   - name: registers the process under this name before `init`.
    ///   - timeout: how long `init` may take; nil waits for ever.
    /// - Throws: ``StartError`` with OTP's reason; nothing is left running.
    func start(_ module: Atom, args: Term, name: Atom?, link: Bool, timeout: Duration?) async throws -> StartResult

    /// The value of `key` in `application`'s environment, if set.
    func environment(_ application: Atom, _ key: Atom) -> Term?

    /// Listens on `options.ip`:`port` (`gen_tcp:listen`); port 0 picks a free
    /// port (``ListenSocket/port``). This process owns the listener: its end
    /// closes it.
    /// - Throws: ``SocketError`` (`eaddrinuse`, `badarg` for bad options, …),
    ///   or ``SocketError/noNetwork`` when the node has no TCP.
    func listen(port: Int, options: TCPOptions) async throws -> ListenSocket

    /// Connects to `host`:`port` (an IP address) within `timeout`
    /// (`gen_tcp:connect`); this process owns the socket.
    /// - Throws: ``SocketError`` (`econnrefused`, `timeout`, `badarg`, …),
    ///   or ``SocketError/noNetwork`` when the node has no TCP.
    func connect(host: String, port: Int, options: TCPOptions, timeout: Duration) async throws -> Socket

    /// Takes every message already in the mailbox for which `predicate`
    /// holds, oldest first, leaving the others in their order; never waits
    /// (how `Socket.controllingProcess` moves a socket's messages on).
    func takeMessages(where predicate: (Term) -> Bool) -> [Term]

    /// Makes the mailbox ready for a burst of `count` messages (the answers
    /// of a pipelined round): room for them, on memory already touched, so
    /// that taking them in neither grows nor page-faults the mailbox. A hint;
    /// messages already there stay, in order.
    func prepareMailbox(for count: Int)
}

extension ProcessContext {
    /// A runtime without it moves nothing. The runtime implements the
    /// requirement itself; this default only keeps the protocol's ABI open.
    public func takeMessages(where predicate: (Term) -> Bool) -> [Term] { [] }

    /// A runtime without it prepares nothing (the protocol's ABI stays open).
    public func prepareMailbox(for count: Int) {}

    /// Resolves `name` now: what a runtime without name timers can do. The
    /// runtime implements the requirement itself (resolving at fire time);
    /// this default only keeps the protocol's ABI open.
    public func sendAfter(_ delay: Duration, _ message: Term, to name: Atom) -> TimerRef {
        if let pid = whereis(name) { return sendAfter(delay, message, to: pid) }
        return TimerRef(makeRef())
    }

    /// Whether `pid` is a process of this node that has not ended
    /// (`is_process_alive/1`); false for a pid of another node.
    public func isProcessAlive(_ pid: Pid) -> Bool {
        pid.node == self.pid.node && pid.process.isAlive
    }

    /// What a runtime without name monitors can do: monitors the pid the
    /// name has now (its `'DOWN'` names the pid). The runtime implements the
    /// requirement itself; this default only keeps the protocol's ABI open.
    public func monitor(_ name: Atom) -> Ref {
        if let target = whereis(name) { return monitor(target) }
        let ref = makeRef()
        send(.tuple([.atom(Atom.down), .ref(ref), .atom(Atom.process),
                     .tuple([.atom(name), .atom(pid.node.name)]), .atom(Atom.noproc)]), to: pid)
        return ref
    }

    /// Receives with a timeout; nil when it passed first.
    nonisolated(nonsending) public func receive(timeout: Duration) async throws -> Term? {
        try await receive(timeout: timeout) { $0 }
    }

    /// Selective receive that waits for ever.
    nonisolated(nonsending) public func receive<T>(matching match: (Term) throws -> T?) async throws -> T {
        // A nil timeout never returns nil.
        guard let value = try await receive(timeout: nil, matching: match) else {
            throw ProcessExit(.atom("receive_without_timeout_returned"))
        }
        return value
    }

    /// Starts a behaviour process linked to this one (`Module:start_link(Args)`).
    public func startLink(_ module: Atom, args: Term = .list([]), name: Atom? = nil) async throws -> StartResult {
        try await start(module, args: args, name: name, link: true, timeout: nil)
    }

    /// Ends this process with `reason` (Erlang's `exit/1`).
    public func exit(_ reason: Term) throws -> Never { throw ProcessExit(reason) }
}

/// How `spawn` relates the new process to its parent.
public struct SpawnOptions: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Link parent and child (`spawn_link`).
    public static let link = SpawnOptions(rawValue: 1)
    /// Monitor the child (`spawn_monitor`).
    public static let monitor = SpawnOptions(rawValue: 2)
}

/// A new process and, with `.monitor`, the parent's monitor on it.
public struct Spawned: Sendable {
    public let pid: Pid
    public let monitor: Ref?

    @_spi(Runtime)
    public init(pid: Pid, monitor: Ref?) {
        self.pid = pid
        self.monitor = monitor
    }
}

/// Why a registry operation failed.
public enum RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The name belongs to another live process.
    case nameTaken(Atom, by: Pid)
    /// The process already has a registered name.
    case alreadyRegistered(Pid, as: Atom)
    /// The process is not alive.
    case notAlive(Pid)
    /// No process has this name.
    case notRegistered(Atom)

    public var description: String {
        switch self {
        case .nameTaken(let name, let pid): "name \(name) is already registered by \(pid)"
        case .alreadyRegistered(let pid, let name): "\(pid) is already registered as \(name)"
        case .notAlive(let pid): "\(pid) is not alive"
        case .notRegistered(let name): "no process is registered as \(name)"
        }
    }
}
