@_spi(Runtime) import ReliveKit
import DequeModule

extension LocalProcess {
    /// Takes the oldest message, waiting for one.
    nonisolated(nonsending) public func receive() async throws -> Term {
        // A killed process must not go on taking messages it had already
        // pulled into its private queue (the inbox is checked under its lock).
        if isDead() { try exitBecauseKilled() }
        if let message = queue.popFirst() {
            await spendReduction()
            return message
        }
        guard let message = try await receive(timeout: nil, matching: { $0 }) else {
            throw ProcessExit(.atom("receive_without_timeout_returned"))
        }
        return message
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
    nonisolated(nonsending)
    public func receive<T>(timeout: Duration?, matching match: (Term) throws -> T?) async throws -> T? {
        if isDead() { try exitBecauseKilled() }
        var scanned = 0
        var timer: UInt64? = nil
        var lazyTimer: TimerService.LazyTimeout? = nil
        var token: UInt64 = 0
        defer {
            if let timer { _ = runtime.timers.cancel(timer) }
            if let lazyTimer { runtime.timers.cancel(lazyTimer) }
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
            switch pullInbox(token: token) {
            case .moved:
                continue
            case .rescan:
                scanned = 0   // a suspension was released: what was passed over may match now
                continue
            case .dead(let reason):
                throw ProcessExit(reason)
            case .timedOut:
                return nil
            case .empty:
                break
            }
            if let timeout {
                if timeout <= .zero { return nil }
                if token == 0 {
                    nextWaitToken &+= 1
                    token = nextWaitToken
                    let wakeToken = token
                    shared.withLock { $0.armedToken = wakeToken }
                    // Long timeouts (a call's 5 s) are armed without the
                    // timer lock; they are nearly always cancelled unfired.
                    if timeout.clampedNanoseconds >= TimerService.lazyMinimumNanos {
                        lazyTimer = runtime.timers.armLazily(after: timeout) { [self] in self.receiveTimedOut(wakeToken) }
                    } else {
                        timer = runtime.timers.schedule(after: timeout) { [self] in self.receiveTimedOut(wakeToken) }
                    }
                }
            }
            await waitForMail(token: token)
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
        case moved, rescan, empty, timedOut
        case dead(Term)
    }

    /// Moves the inbox into the private queue.
    private func pullInbox(token: UInt64) -> Pull {
        shared.withLock { s in
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
    }

    nonisolated(nonsending) private func waitForMail(token: UInt64) async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let queued = !queue.isEmpty
            let resumeNow = shared.withLock { s in
                if s.exitReason != nil || !s.inbox.isEmpty || s.rescan || (token != 0 && s.timedOutToken == token) {
                    return true
                }
                s.waiter = continuation
                s.queuedWhenParked = queued
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    private func receiveTimedOut(_ token: UInt64) {
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
