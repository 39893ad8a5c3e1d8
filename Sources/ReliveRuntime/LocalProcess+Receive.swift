@_spi(Runtime) import ReliveKit
import DequeModule

extension LocalProcess {
    /// Takes the oldest message, waiting for one.
    nonisolated(nonsending) public func receive() async throws -> Term {
        // A killed process must not go on taking messages it had already
        // pulled into its private queue (the inbox is checked under its lock).
        if isDead() { try exitBecauseKilled() }
        var waited = false
        while true {
            // Popped, not matched and removed: a message taken as a whole
            // costs no reference count of its own.
            if let message = queue.popFirst() {
                if !waited { await spendReduction() }
                return message
            }
            switch await takeInboxOrPark(token: 0) {
            case .moved, .rescan, .timedOut, .empty:
                continue    // (no timeout is armed: only .moved and .rescan come)
            case .dead(let reason):
                throw ProcessExit(reason)
            case .woken:
                // As in the selective receive: a message that woke a killed
                // process is not taken.
                if isDead() { try exitBecauseKilled() }
                waited = true
                reductions = 0
            }
        }
    }

    /// The oldest message of the private queue, taken without an async call:
    /// nil when that queue is empty or when this receive would spend the
    /// last of the reduction budget, so that the caller's ``receive()``
    /// takes it (pulling the inbox, waiting, or yielding first).
    ///
    /// A behaviour's loop tries it before ``receive()``: with messages
    /// queued (a server under load) each then costs no task-allocator frame
    /// and no executor check on return.
    /// - Throws: ``ProcessExit`` when the process was killed.
    @inline(__always)
    func takeQueuedMessage() throws -> Term? {
        // The flag shares a cache line with the mailbox lock that senders
        // write, so each look is a miss while messages stream in: look at
        // the first message after a wait and every 16th after it. Messages
        // already queued were sent before the kill, and nothing sent after
        // it gets in (the inbox is closed under its lock), so the kill
        // still wins over every later message.
        if reductions & 15 == 0, isDead() { try exitBecauseKilled() }
        guard !queue.isEmpty, reductions + 1 < Self.reductionBudget else { return nil }
        reductions += 1
        return queue.removeFirst()
    }

    /// Selective receive; see ``ProcessContext/receive(timeout:matching:)``.
    ///
    /// Callers in other modules reach it through `ProcessContext`, unspecialized
    /// (the kit is built for library evolution): the `Term` form, which the
    /// kit's calls use, has a specialized body that the generic one enters
    /// by a type check.
    @_specialize(where T == Term)
    nonisolated(nonsending)
    public func receive<T>(timeout: Duration?, matching match: (Term) throws -> T?) async throws -> T? {
        if isDead() { try exitBecauseKilled() }
        var scanned = 0
        var timer: UInt64? = nil
        var lazyArmed = false
        var token: UInt64 = 0
        defer {
            if let timer { _ = runtime.timers.cancel(timer) }
            if lazyArmed { runtime.timers.cancel(receiveTimeout) }
        }
        var waited = false
        while true {
            while scanned < queue.count {
                if let value = try match(queue[scanned]) {
                    queue.remove(at: scanned)
                    if !waited { await spendReduction() }
                    return value
                }
                scanned += 1
            }
            // A receive with a timeout looks at the inbox once before it arms
            // its timer, so that mail already there arms none. Then, and for
            // every receive without a timeout, the inbox is taken in or the
            // process parks under one lock.
            if let timeout, token == 0 {
                let arming = timeout > .zero ? max(nextWaitToken &+ 1, 1) : 0
                switch pullInbox(arming: arming) {
                case .moved: continue
                case .rescan: scanned = 0; continue
                case .dead(let reason): throw ProcessExit(reason)
                case .timedOut, .woken, .empty: break
                }
                if arming == 0 { return nil }
                nextWaitToken = arming
                token = arming
                // Long timeouts (a call's 5 s) are armed without the timer
                // lock; they are nearly always cancelled unfired.
                if timeout.clampedNanoseconds >= TimerService.lazyMinimumNanos {
                    runtime.timers.arm(receiveTimeout, token: arming, after: timeout)
                    lazyArmed = true
                } else {
                    timer = runtime.timers.schedule(after: timeout) { [self] in self.receiveTimedOut(arming) }
                }
            }
            switch await takeInboxOrPark(token: token) {
            case .moved: continue
            case .rescan:
                scanned = 0   // a suspension was released: what was passed over may match now
                continue
            case .dead(let reason): throw ProcessExit(reason)
            case .timedOut: return nil
            case .woken, .empty: break
            }
            // The waker may have put a message straight into the queue
            // (``enqueue(_:into:)``); one sent before a kill is not taken.
            if isDead() { try exitBecauseKilled() }
            waited = true
            reductions = 0
        }
    }

    @inline(never)
    private func isDead() -> Bool { dead.load(ordering: .relaxed) }

    /// Out of line so the receive paths stay small.
    @inline(never)
    private func exitBecauseKilled() throws -> Never {
        throw ProcessExit(exitReason ?? .atom(Atom.killed))
    }

    private enum Pull {
        /// The inbox was moved into the private queue.
        case moved
        /// A suspension was released (``Shared/rescan``).
        case rescan
        /// Nothing to take (``pullInbox(arming:)`` only).
        case empty
        /// The process parked and was woken.
        case woken
        case timedOut
        case dead(Term)
    }

    /// What the inbox holds for a receive waiting with `token` (0: none),
    /// taking it into the private queue; `.empty` when there is nothing.
    /// Call it holding `shared`'s lock, with `s` its state.
    private func take(from s: inout Shared, token: UInt64) -> Pull {
        if let reason = s.exitReason { return .dead(reason) }
        if s.rescan {
            s.rescan = false
            return .rescan
        }
        if !s.inbox.isEmpty {
            if queue.isEmpty {
                swap(&queue, &s.inbox)
            } else {
                queue.append(contentsOf: s.inbox)
                s.inbox.removeAll(keepingCapacity: true)
            }
            return .moved
        }
        if token != 0 && s.timedOutToken == token { return .timedOut }
        return .empty
    }

    /// Moves the inbox into the private queue. When there is nothing and
    /// `arming` is not 0, it becomes the armed timeout token in the same
    /// lock, before the timer that carries it exists.
    private func pullInbox(arming: UInt64) -> Pull {
        shared.withLock { s in
            let pull = take(from: &s, token: 0)
            if case .empty = pull, arming != 0 { s.armedToken = arming }
            return pull
        }
    }

    /// Takes the inbox in, or, with nothing to take, parks until a message,
    /// a signal, a released suspension or the timeout `token` wakes it; one
    /// lock either way.
    ///
    /// Out of line: inlined into the behaviour loops, this wait made Swift
    /// 6.3.1's release build crash in LLVM's coroutine splitting (signal 11
    /// while splitting `ApplicationMaster.run`).
    @inline(never)
    nonisolated(nonsending) private func takeInboxOrPark(token: UInt64) async -> Pull {
        var pull = Pull.woken
        // The stdlib's `withUnsafeContinuation(isolation:)` first switches
        // to the isolation it is given (`swift_task_switch` and an executor
        // preference lookup, 6 % of a ping-pong, for an isolation this
        // function already runs on). This form does not; the return to the
        // caller's isolation after the wait is this nonisolated(nonsending)
        // function's own, which the compiler emits after every await.
        await _unsafeInheritExecutor_withUnsafeContinuation { continuation in
            pull = parkUnlessTaken(continuation, token: token)
        }
        return pull
    }

    /// The body of ``takeInboxOrPark(token:)``'s wait: `.woken` when the
    /// process parked with `continuation` as its waiter; otherwise what it
    /// took, with `continuation` resumed at once.
    private func parkUnlessTaken(_ continuation: UnsafeContinuation<Void, Never>, token: UInt64) -> Pull {
        let queued = !queue.isEmpty
        let pull = shared.withLock { s -> Pull in
            let pull = take(from: &s, token: token)
            guard case .empty = pull else { return pull }
            s.waiter = continuation
            s.queuedWhenParked = queued
            return .woken
        }
        if case .woken = pull { return pull }
        continuation.resume()
        return pull
    }

    /// A receive timeout came due (on the timer thread).
    func receiveTimedOut(_ token: UInt64) {
        let waiter = shared.withLock { s -> UnsafeContinuation<Void, Never>? in
            // A cancelled timer that fires late must not touch a later receive.
            guard s.armedToken == token else { return nil }
            s.timedOutToken = token
            let waiter = s.waiter
            s.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Counts one receive answered at once; past the budget, yields the
    /// scheduler thread so that a process with a full mailbox cannot starve others.
    @inline(__always)
    nonisolated(nonsending) func spendReduction() async {
        reductions += 1
        if reductions >= Self.reductionBudget {
            reductions = 0
            await Task.yield()
        }
    }

    /// Takes every message for which `predicate` holds from both halves of
    /// the mailbox, oldest first; see ``ProcessContext/takeMessages(where:)``.
    public func takeMessages(where predicate: (Term) -> Bool) -> [Term] {
        var taken = Array(queue.filter(predicate))
        if !taken.isEmpty { queue.removeAll(where: predicate) }
        shared.withLock { s in
            let fromInbox = s.inbox.filter(predicate)
            if !fromInbox.isEmpty {
                taken.append(contentsOf: fromInbox)
                s.inbox.removeAll(where: predicate)
            }
        }
        return taken
    }

    /// See ``ProcessContext/prepareMailbox(for:)``. Both halves get the room
    /// (the inbox takes the burst; taking it in swaps it into the queue), and
    /// each is filled once with placeholders and emptied again, keeping its
    /// capacity, so that its pages are mapped before the burst.
    public func prepareMailbox(for count: Int) {
        guard count > 0 else { return }
        func prepare(_ box: inout Deque<Term>) {
            box.reserveCapacity(box.count + count)
            box.append(contentsOf: repeatElement(.int(0), count: count))
            box.removeLast(count)
        }
        prepare(&queue)
        shared.withLock { prepare(&$0.inbox) }
    }

    /// Removes every message for which `predicate` holds from both halves of
    /// the mailbox (used by `demonitor(flush:)`).
    func removeMessages(where predicate: (Term) -> Bool) {
        queue.removeAll(where: predicate)
        shared.withLock { s in s.inbox.removeAll(where: predicate) }
    }
}
