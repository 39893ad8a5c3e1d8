import Glibc
import HeapModule
import Synchronization

/// One thread that runs actions at deadlines: `send_after`, receive timeouts,
/// call timeouts.
///
/// Starting a timer is a heap insert under a lock; cancelling marks it
/// cancelled, and the thread drops it when it comes due (so cancelling a 5 s
/// call timeout after a 2 µs reply costs no syscall). The thread is woken only
/// when a new timer is due before the one it sleeps towards.
final class TimerService: @unchecked Sendable {
    typealias Action = @Sendable () -> Void

    private struct Entry: Comparable {
        let deadline: UInt64
        let id: UInt64
        static func < (a: Entry, b: Entry) -> Bool { (a.deadline, a.id) < (b.deadline, b.id) }
        static func == (a: Entry, b: Entry) -> Bool { a.id == b.id }
    }

    private let lock = ConditionLock()
    private var heap = Heap<Entry>()
    private var actions: [UInt64: Action] = [:]
    private var nextID: UInt64 = 1
    private var sleepingUntil: UInt64? = nil
    private var stopped = false
    private var thread: pthread_t? = nil

    // Lazily armed timeouts (receive timeouts of calls, 5 s by default).
    // Each is a `LazyTimeout` its owner (a process) keeps and arms again and
    // again: arming stores a deadline and a token, cancelling clears the
    // token's armed bit; neither takes a lock nor allocates. The timer thread
    // keeps one live heap entry per timeout and looks at it when that entry
    // is due: armed and due, it fires; re-armed for later, it goes back in
    // at the new deadline; disarmed, it is dropped. An arm due before the
    // live entry (or with none) pushes the timeout on a lock-free stack that
    // the thread moves into its heap, so a process making call after call
    // with the same timeout pushes about once per deadline. While pushes keep
    // coming, the thread wakes every `lazyTickNanos` to take them; when a
    // tick finds none, it sleeps as before and the next push wakes it
    // (`sleepsLong`, a Dekker pair with the stack's head). Only timeouts of
    // at least `lazyMinimumNanos` go this way, so a timeout is in the heap
    // long before it is due.
    static let lazyMinimumNanos: UInt64 = 50_000_000
    static let lazyTickNanos: UInt64 = 5_000_000
    /// The stack's head: a retained `LazyTimeout`, or nil.
    private let lazyHead = Atomic<UInt>(0)
    private let sleepsLong = Atomic<Bool>(false)
    /// The lazy timeouts in the heap, by entry id (timer thread, lock held).
    private var lazyEntries: [UInt64: LazyTimeout] = [:]

    /// A reusable timeout; see ``arm(_:token:after:)``.
    final class LazyTimeout: @unchecked Sendable {
        /// `token << 1 | 1` while armed for `token`, `token << 1` when not.
        let state = Atomic<UInt64>(0)
        /// When the armed token is due, in ``monotonicNanos()``; written before `state`.
        let deadline = Atomic<UInt64>(0)
        /// The deadline of its live heap entry (`UInt64.max`: none), written
        /// by the timer thread: with `state`, a Dekker pair, so that an arm
        /// the thread does not see when it drops the entry pushes instead.
        let entryDeadline = Atomic<UInt64>(.max)
        /// Whether it is on the stack (so that it is pushed once).
        let queued = Atomic<Bool>(false)
        /// The id of its live heap entry, 0 for none (timer thread, lock held).
        var entryID: UInt64 = 0
        /// Called on the timer thread with the token that came due.
        let fire: @Sendable (UInt64) -> Void
        /// The next entry of the stack (set before the push publishes it).
        var next: UInt = 0
        init(fire: @escaping @Sendable (UInt64) -> Void) { self.fire = fire }
    }

    init() {}

    deinit { releaseLazy(lazyHead.exchange(0, ordering: .acquiringAndReleasing)) }

    func start() {
        let unmanaged = Unmanaged.passRetained(self)
        var t = pthread_t()
        pthread_create(&t, nil, { arg in
            guard let arg else { return nil }
            let service = Unmanaged<TimerService>.fromOpaque(arg).takeRetainedValue()
            service.run()
            return nil
        }, unmanaged.toOpaque())
        thread = t
    }

    func stop() {
        lock.lock()
        stopped = true
        actions.removeAll()
        lazyEntries.removeAll()
        lock.signal()
        lock.unlock()
        if let thread { pthread_join(thread, nil) }
        thread = nil
        releaseLazy(lazyHead.exchange(0, ordering: .acquiringAndReleasing))
    }

    /// Arms `timeout` for `token` (below 2^63): its `fire` runs with `token`
    /// on the timer thread after `delay` (at least `lazyMinimumNanos`),
    /// unless ``cancel(_:)`` or another arm comes first. No lock, no
    /// allocation; one caller at a time per timeout (its owner).
    func arm(_ timeout: LazyTimeout, token: UInt64, after delay: Duration) {
        let deadline = monotonicNanos() &+ min(delay.clampedNanoseconds, UInt64.max / 2)
        timeout.deadline.store(deadline, ordering: .relaxed)
        timeout.state.store(token << 1 | 1, ordering: .sequentiallyConsistent)
        // A live entry due no later: the thread sees this arm when it comes.
        guard deadline < timeout.entryDeadline.load(ordering: .sequentiallyConsistent),
              !timeout.queued.exchange(true, ordering: .sequentiallyConsistent) else { return }
        let bits = UInt(bitPattern: Unmanaged.passRetained(timeout).toOpaque())
        var head = lazyHead.load(ordering: .relaxed)
        while true {
            timeout.next = head
            let (done, seen) = lazyHead.compareExchange(expected: head, desired: bits, ordering: .sequentiallyConsistent)
            if done { break }
            head = seen
        }
        if head == 0 && sleepsLong.load(ordering: .sequentiallyConsistent) {
            lock.lock()
            lock.signal()
            lock.unlock()
        }
    }

    /// Disarms `timeout` (its owner only); a token already due may still
    /// fire, and its owner tells by the token.
    func cancel(_ timeout: LazyTimeout) {
        let s = timeout.state.load(ordering: .relaxed)
        if s & 1 == 1 { timeout.state.store(s & ~1, ordering: .releasing) }
    }

    /// Releases the stack's entries from `bits` on.
    private func releaseLazy(_ bits: UInt) {
        var bits = bits
        while bits != 0, let raw = UnsafeRawPointer(bitPattern: bits) {
            let t = Unmanaged<LazyTimeout>.fromOpaque(raw).takeRetainedValue()
            bits = t.next
            t.queued.store(false, ordering: .sequentiallyConsistent)
        }
    }

    /// Timer thread, lock held: moves the pushed lazy timeouts into the heap;
    /// returns whether there were any.
    private func takeLazy() -> Bool {
        var bits = lazyHead.exchange(0, ordering: .sequentiallyConsistent)
        if bits == 0 { return false }
        while bits != 0, let raw = UnsafeRawPointer(bitPattern: bits) {
            let t = Unmanaged<LazyTimeout>.fromOpaque(raw).takeRetainedValue()
            bits = t.next
            t.queued.store(false, ordering: .sequentiallyConsistent)
            schedule(t)
        }
        return true
    }

    /// Timer thread, lock held: while `t` is armed, gives it a heap entry at
    /// its deadline unless its live entry comes no later (an earlier one
    /// supersedes it; the old entry is ignored when it comes due).
    private func schedule(_ t: LazyTimeout) {
        guard t.state.load(ordering: .sequentiallyConsistent) & 1 == 1 else { return }
        let deadline = t.deadline.load(ordering: .relaxed)
        guard t.entryID == 0 || deadline < t.entryDeadline.load(ordering: .relaxed) else { return }
        let id = nextID
        nextID += 1
        heap.insert(Entry(deadline: deadline, id: id))
        lazyEntries[id] = t
        t.entryID = id
        t.entryDeadline.store(deadline, ordering: .sequentiallyConsistent)
    }

    /// Timer thread, lock held: the heap entry `id` of `t` came due at
    /// `now`; its token's firing is added to `due` when it is due indeed.
    private func visit(_ t: LazyTimeout, entry id: UInt64, now: UInt64, due: inout [Action]) {
        guard t.entryID == id else { return }   // superseded by an earlier entry
        t.entryID = 0
        t.entryDeadline.store(.max, ordering: .sequentiallyConsistent)
        let s = t.state.load(ordering: .sequentiallyConsistent)
        if s & 1 == 1, t.deadline.load(ordering: .relaxed) <= now,
           t.state.compareExchange(expected: s, desired: s & ~1, ordering: .acquiringAndReleasing).exchanged {
            let fire = t.fire
            due.append { fire(s >> 1) }
        }
        // Re-armed for later (or since): back in at its deadline.
        schedule(t)
    }

    /// Runs `action` on the timer thread after `delay`; returns the timer's id.
    /// The action must be short and must not block.
    func schedule(after delay: Duration, _ action: @escaping Action) -> UInt64 {
        let deadline = monotonicNanos() &+ min(delay.clampedNanoseconds, UInt64.max / 2)
        lock.lock()
        let id = nextID
        nextID += 1
        heap.insert(Entry(deadline: deadline, id: id))
        actions[id] = action
        if let sleepingUntil, deadline < sleepingUntil { lock.signal() }
        lock.unlock()
        return id
    }

    /// Cancels a timer; false when it already ran or was cancelled.
    func cancel(_ id: UInt64) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard actions.removeValue(forKey: id) != nil else { return false }
        // Cancelled entries stay in the heap until due; rebuild it when they
        // are most of it, so many short-lived long timeouts cannot pile up.
        // The lazy timeouts' entries are live ones: counted with the actions,
        // or a heap of many processes' timeouts would be rebuilt at every cancel.
        if heap.count > 4096 && actions.count + lazyEntries.count < heap.count / 4 {
            heap = Heap(heap.unordered.filter { actions[$0.id] != nil || lazyEntries[$0.id] != nil })
        }
        return true
    }

    private func run() {
        lock.lock()
        var lastLazy: UInt64 = 0
        while !stopped {
            let now = monotonicNanos()
            if takeLazy() { lastLazy = now }
            let lazyFlowing = lastLazy != 0 && now &- lastLazy <= 2 * Self.lazyTickNanos
            var due: [Action] = []
            while let top = heap.min, top.deadline <= now {
                heap.removeMin()
                if let action = actions.removeValue(forKey: top.id) {
                    due.append(action)
                } else if let t = lazyEntries.removeValue(forKey: top.id) {
                    visit(t, entry: top.id, now: now, due: &due)
                }
            }
            if !due.isEmpty {
                lock.unlock()
                for action in due { action() }
                lock.lock()
                continue
            }
            // Drop cancelled entries at the top so we don't wake for them.
            while let top = heap.min, actions[top.id] == nil, lazyEntries[top.id] == nil { heap.removeMin() }
            var until = heap.min?.deadline
            if lazyFlowing {
                // Lazy timeouts are coming: look again after a tick.
                let tick = monotonicNanos() &+ Self.lazyTickNanos
                until = min(until ?? .max, tick)
            } else {
                // Sleeping past a tick: a push must wake us (checked after
                // announcing it, so that a push in between is not missed).
                sleepsLong.store(true, ordering: .sequentiallyConsistent)
                if lazyHead.load(ordering: .sequentiallyConsistent) != 0 {
                    sleepsLong.store(false, ordering: .sequentiallyConsistent)
                    continue
                }
            }
            sleepingUntil = until ?? UInt64.max
            lock.wait(untilMonotonicNanos: until)
            sleepingUntil = nil
            sleepsLong.store(false, ordering: .sequentiallyConsistent)
        }
        lock.unlock()
    }
}
