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

    init() {}

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
        while !stopped {
            let now = monotonicNanos()
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
            sleepingUntil = heap.min?.deadline ?? UInt64.max
            lock.wait(untilMonotonicNanos: heap.min?.deadline)
            sleepingUntil = nil
        }
        lock.unlock()
    }
}
