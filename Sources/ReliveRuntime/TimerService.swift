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
    // Arming one takes no lock: it is pushed on a lock-free stack that the
    // timer thread moves into its heap. While such timeouts keep coming, the
    // thread wakes every `lazyTickNanos` to take them (most were cancelled
    // already, a reply having come within microseconds, and never reach the
    // heap); when a tick finds none, it sleeps as before and the next push
    // wakes it (`sleepsLong`, a Dekker pair with the stack's head). Only
    // timeouts of at least `lazyMinimumNanos` go this way, so a timeout is in
    // the heap long before it is due.
    static let lazyMinimumNanos: UInt64 = 50_000_000
    static let lazyTickNanos: UInt64 = 5_000_000
    /// The stack's head: a retained `LazyTimeout`, or nil.
    private let lazyHead = Atomic<UInt>(0)
    private let sleepsLong = Atomic<Bool>(false)

    /// A lazily armed timeout; see ``armLazily(after:_:)``.
    final class LazyTimeout: @unchecked Sendable {
        let deadline: UInt64
        let action: Action
        /// 0 armed, 1 cancelled, 2 fired.
        let state = Atomic<UInt8>(0)
        /// The next entry of the stack (set before the push publishes it).
        var next: UInt = 0
        init(deadline: UInt64, action: @escaping Action) { self.deadline = deadline; self.action = action }
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
        lock.signal()
        lock.unlock()
        if let thread { pthread_join(thread, nil) }
        thread = nil
        releaseLazy(lazyHead.exchange(0, ordering: .acquiringAndReleasing))
    }

    /// Runs `action` on the timer thread after `delay` (at least
    /// `lazyMinimumNanos`), without taking the timer lock. Cancel with
    /// `cancel(_:)`.
    func armLazily(after delay: Duration, _ action: @escaping Action) -> LazyTimeout {
        let timeout = LazyTimeout(deadline: monotonicNanos() &+ min(delay.clampedNanoseconds, UInt64.max / 2),
                                  action: action)
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
        return timeout
    }

    /// Cancels a lazily armed timeout; false when it already ran or was cancelled.
    @discardableResult
    func cancel(_ timeout: LazyTimeout) -> Bool {
        timeout.state.compareExchange(expected: 0, desired: 1, ordering: .acquiringAndReleasing).exchanged
    }

    /// Releases the stack's entries from `bits` on.
    private func releaseLazy(_ bits: UInt) {
        var bits = bits
        while bits != 0, let raw = UnsafeRawPointer(bitPattern: bits) {
            let t = Unmanaged<LazyTimeout>.fromOpaque(raw).takeRetainedValue()
            bits = t.next
        }
    }

    /// Timer thread, lock held: moves the armed lazy timeouts into the heap;
    /// returns whether there were any.
    private func takeLazy() -> Bool {
        var bits = lazyHead.exchange(0, ordering: .sequentiallyConsistent)
        if bits == 0 { return false }
        while bits != 0, let raw = UnsafeRawPointer(bitPattern: bits) {
            let t = Unmanaged<LazyTimeout>.fromOpaque(raw).takeRetainedValue()
            bits = t.next
            guard t.state.load(ordering: .acquiring) == 0 else { continue }
            let id = nextID
            nextID += 1
            heap.insert(Entry(deadline: t.deadline, id: id))
            actions[id] = {
                if t.state.compareExchange(expected: 0, desired: 2, ordering: .acquiringAndReleasing).exchanged { t.action() }
            }
        }
        return true
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
        if heap.count > 4096 && actions.count < heap.count / 4 {
            heap = Heap(heap.unordered.filter { actions[$0.id] != nil })
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
                if let action = actions.removeValue(forKey: top.id) { due.append(action) }
            }
            if !due.isEmpty {
                lock.unlock()
                for action in due { action() }
                lock.lock()
                continue
            }
            // Drop cancelled entries at the top so we don't wake for them.
            while let top = heap.min, actions[top.id] == nil { heap.removeMin() }
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
