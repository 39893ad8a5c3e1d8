/// Rounds of pipelined calls to one set of processes: each round sends its
/// request to every member before it waits for the first answer, and each
/// target is monitored once for all the rounds, not once per call.
///
/// What OTP's release handler does one `sys` call at a time, and what an
/// upgrade transaction's suspend, change and resume rounds are made of. Per
/// target and round it costs one send and the answer's handling: a reply is
/// found by its tag's offset in a block of consecutive references
/// (``ProcessContext/makeRefs(_:)``), and the bookkeeping lives in arrays
/// indexed by target, so a round never hashes a pid or touches a target's
/// memory beyond the send (and the look at whether it is alive).
///
/// Guarantees:
/// - each round has its own reply alias, deactivated when the round ends, so
///   a late answer to one round is dropped instead of being taken for the
///   next round's;
/// - a target known to have ended (its 'DOWN' taken in any round, or found
///   dead when it was to be sent a request) answers every later round with
///   ``CallError/noproc`` and is sent nothing;
/// - ``close()`` removes every monitor and any 'DOWN' left in the mailbox.
///
/// Targets are told apart by the process behind the pid. A `CallRounds`
/// belongs to the one process given (its monitors are that process's); it is
/// not `Sendable`.
public final class CallRounds {
    /// The process that sends the requests and takes the answers.
    public let process: any ProcessContext
    /// Every target, in the order added; a target's index is its position.
    public private(set) var targets: [Pid] = []
    private var indexByProcess: [ObjectIdentifier: Int] = [:]
    /// Each target's monitor, taken by ``monitorAll()`` or when it is first sent a request.
    private var monitors: [Ref?] = []
    private var targetByMonitor: [Ref: Int] = [:]
    /// The exit reason of each target known to have ended (`noproc`: found
    /// dead when it was to be sent a request).
    private var ended: [Term?] = []
    /// Whether the target's 'DOWN' was taken from the mailbox.
    private var downTaken: [Bool] = []

    public init(process: any ProcessContext) {
        self.process = process
    }

    // Normally already closed; then this does nothing.
    deinit { close() }

    /// Adds the pids that are not targets yet.
    /// - Returns: the index of each pid given, in order (a pid named twice
    ///   has one index).
    @discardableResult
    public func add(_ pids: some Sequence<Pid>) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(pids.underestimatedCount)
        indexByProcess.reserveCapacity(targets.count + pids.underestimatedCount)
        for pid in pids {
            let key = ObjectIdentifier(pid.endpoint)
            if let i = indexByProcess[key] { out.append(i); continue }
            let i = targets.count
            indexByProcess[key] = i
            targets.append(pid)
            monitors.append(nil)
            ended.append(nil)
            downTaken.append(false)
            out.append(i)
        }
        return out
    }

    /// Monitors every target not monitored yet, so that a later round spends
    /// nothing on monitors (a round monitors its new members itself).
    public func monitorAll() {
        for i in targets.indices where monitors[i] == nil && ended[i] == nil && targets[i] != process.pid {
            let monitor = process.monitor(targets[i])
            monitors[i] = monitor
            targetByMonitor[monitor] = i
        }
    }

    /// Readies a round of `count` requests: the process's mailbox for their
    /// answers (``ProcessContext/prepareMailbox(for:)``) and the round's own
    /// bookkeeping and results, allocated and touched now, so that a caller
    /// can do it before a pause begins, as it does ``monitorAll()``.
    public func prepare(forAnswers count: Int) {
        process.prepareMailbox(for: count)
        scratchNext = Self.take(&scratchNext, count: count, -1)
        scratchGroup = Self.take(&scratchGroup, count: count, -1)
        scratchFirst = Self.take(&scratchFirst, count: targets.count, -1)
        scratchLast = Self.take(&scratchLast, count: targets.count, -1)
        scratchPending = Self.take(&scratchPending, count: count, false)
        preparedResults = [Result<Term, CallError>](repeating: .failure(.noproc), count: count)
    }

    /// Adds `pids`, none of which may be a target yet or be named twice, and
    /// keeps the array itself when there are no targets yet: no pid is
    /// copied (each copy of a pid is a write to its process's reference
    /// count, a cache miss on a process not run for a while).
    /// - Returns: false, adding nothing, when some pid is a target already or named twice.
    public func add(distinct pids: [Pid]) -> Bool {
        let first = targets.count
        indexByProcess.reserveCapacity(first + pids.count)
        for (offset, pid) in pids.enumerated() {
            let key = ObjectIdentifier(pid.endpoint)
            guard indexByProcess[key] == nil else {
                for added in pids[..<offset] { indexByProcess[ObjectIdentifier(added.endpoint)] = nil }
                return false
            }
            indexByProcess[key] = first + offset
        }
        if targets.isEmpty { targets = pids } else { targets.append(contentsOf: pids) }
        monitors.append(contentsOf: repeatElement(nil, count: pids.count))
        ended.append(contentsOf: repeatElement(nil, count: pids.count))
        downTaken.append(contentsOf: repeatElement(false, count: pids.count))
        return true
    }

    /// The index of `pid`, if it is a target.
    public func index(of pid: Pid) -> Int? { indexByProcess[ObjectIdentifier(pid.endpoint)] }

    /// The index of the target whose process is `process`
    /// (`ObjectIdentifier(pid.process)`), if any: for lookups from a table
    /// that holds processes rather than pids.
    public func index(ofProcess process: ObjectIdentifier) -> Int? { indexByProcess[process] }

    /// Whether the target is known to have ended.
    public func hasEnded(_ target: Int) -> Bool { targets.indices.contains(target) && ended[target] != nil }

    /// One round: sends `{label, {Alias, Tag}, request}` to each member and
    /// waits for every answer `{Tag, Reply}`, a member's 'DOWN', or its
    /// deadline, whichever comes first.
    /// - Parameters:
    ///   - members: target indices, each with its own timeout (nil: none),
    ///     measured from the moment the requests leave. A target named twice
    ///     is asked once, with its first timeout.
    /// - Returns: one result per member, in order: the reply,
    ///   ``CallError/timeout`` (no answer by the member's own deadline),
    ///   ``CallError/noproc`` (ended before the round, or not a target),
    ///   ``CallError/exited(_:)`` (ended during it) or ``CallError/callingSelf``.
    /// - Throws: what the process's receive throws (it was killed); the
    ///   round's alias is deactivated.
    public func call(_ members: [(target: Int, timeout: Duration?)], label: Atom,
                     request: Term) async throws -> [Result<Term, CallError>] {
        var asked = [Int32](repeating: -1, count: targets.count)   // target -> its request
        var requests: [(target: Int, request: Term, timeout: Duration?)] = []
        requests.reserveCapacity(members.count)
        var requestOf = [Int](repeating: -1, count: members.count)
        for (k, member) in members.enumerated() {
            if targets.indices.contains(member.target) {
                if asked[member.target] >= 0 { requestOf[k] = Int(asked[member.target]); continue }
                asked[member.target] = Int32(requests.count)
            }
            requestOf[k] = requests.count
            requests.append((member.target, request, member.timeout))
        }
        let results = try await call(requests, label: label)
        return requestOf.map { results[$0] }
    }

    /// One round of several requests per target, pipelined: each request is
    /// sent in the order given (so the requests of one target arrive back to
    /// back and are handled in one go), then every answer is awaited.
    ///
    /// A target's 'DOWN' answers each of its requests still open; a request
    /// that fails (times out, or its target ended) fails the requests that
    /// follow it to the same target, which can no longer be answered in turn.
    /// - Parameters:
    ///   - requests: the target, the request and its timeout (nil: none).
    ///     A target's first request's timeout counts from the moment the
    ///     requests leave; each later one's from the answer to the one before
    ///     it (its handling starts only then).
    /// - Returns: one result per request, in order, as
    ///   ``call(_:label:request:)`` gives them.
    /// - Throws: what the process's receive throws (it was killed); the
    ///   round's alias is deactivated.
    public func call(_ requests: [(target: Int, request: Term, timeout: Duration?)],
                     label: Atom) async throws -> [Result<Term, CallError>] {
        try await run(Listed(requests: requests), label: label, extend: nil)
    }

    /// ``call(_:label:)`` where a target's first request may be given more
    /// time when its deadline passes unanswered: `extend` is asked, with the
    /// request's index and the moment the requests left (from which their
    /// timeouts count), and an instant it returns that is still ahead is the
    /// request's new deadline, when `extend` is asked again (e.g. the target
    /// has taken the request, so its handling time runs from then rather than
    /// from the send). nil, or an instant already past, times the request out
    /// as before. An answer taken after a deadline counts if `extend` gives
    /// one still ahead.
    public func call(_ requests: [(target: Int, request: Term, timeout: Duration?)], label: Atom,
                     extending extend: ((_ request: Int, _ sent: ContinuousClock.Instant) -> ContinuousClock.Instant?)?) async throws -> [Result<Term, CallError>] {
        try await run(Listed(requests: requests), label: label, extend: extend)
    }

    /// One round of the same request to every target, in index order, each
    /// with the same timeout: ``call(_:label:)`` without a list of requests
    /// to build (result `k` is target `k`'s).
    public func callAll(label: Atom, request: Term, timeout: Duration?) async throws -> [Result<Term, CallError>] {
        try await run(Everyone(count: targets.count, request: request, timeout: timeout), label: label, extend: nil)
    }

    /// What a round takes from its mailbox: request `k`'s reply, or its target's 'DOWN'.
    private enum Answer { case reply(Int, Term), down(Int, Term) }

    /// Where a round's requests come from: a list, or one request to every target.
    private protocol Requests {
        var count: Int { get }
        func target(_ k: Int) -> Int
        func request(_ k: Int) -> Term
        func timeout(_ k: Int) -> Duration?
    }

    private struct Listed: Requests {
        let requests: [(target: Int, request: Term, timeout: Duration?)]
        var count: Int { requests.count }
        func target(_ k: Int) -> Int { requests[k].target }
        func request(_ k: Int) -> Term { requests[k].request }
        func timeout(_ k: Int) -> Duration? { requests[k].timeout }
    }

    private struct Everyone: Requests {
        let count: Int
        let request: Term
        let timeout: Duration?
        func target(_ k: Int) -> Int { k }
        func request(_ k: Int) -> Term { request }
        func timeout(_ k: Int) -> Duration? { timeout }
    }

    /// `array`, refilled with `count` copies of `value`: the buffer of the
    /// previous round is reused, so a round touches no fresh memory (a page
    /// fault each 4 KiB) for its bookkeeping. Give it back with ``give(_:to:)``.
    private static func take<T>(_ array: inout [T], count: Int, _ value: T) -> [T] {
        var out: [T] = []
        swap(&out, &array)
        out.removeAll(keepingCapacity: true)
        out.append(contentsOf: repeatElement(value, count: count))
        return out
    }

    private static func give<T>(_ out: inout [T], to array: inout [T]) {
        swap(&out, &array)
    }

    private var scratchFirst: [Int32] = []
    private var scratchLast: [Int32] = []
    private var scratchNext: [Int32] = []
    private var scratchGroup: [Int32] = []
    private var scratchPending: [Bool] = []
    /// The next round's results, made by ``prepare(forAnswers:)`` (taken by that round).
    private var preparedResults: [Result<Term, CallError>] = []

    private func run<R: Requests>(_ requests: R, label: Atom,
                                  extend: ((_ request: Int, _ sent: ContinuousClock.Instant) -> ContinuousClock.Instant?)?) async throws -> [Result<Term, CallError>] {
        let n = requests.count
        guard n > 0 else { return [] }
        // Made by prepare(forAnswers:) before the pause, if it was for this many.
        var results: [Result<Term, CallError>] = []
        swap(&results, &preparedResults)
        if results.count != n { results = [Result<Term, CallError>](repeating: .failure(.noproc), count: n) }
        // Each target's requests in order, as a list: first and next (-1: none).
        var firstOf = Self.take(&scratchFirst, count: targets.count, -1)
        var lastOf = Self.take(&scratchLast, count: targets.count, -1)
        var nextOf = Self.take(&scratchNext, count: n, -1)
        var pending = Self.take(&scratchPending, count: n, false)
        // First requests' deadlines: the distinct timeouts (few: one per
        // module of an upgrade), each with its requests; a request's group.
        var groupOf = Self.take(&scratchGroup, count: n, -1)
        defer {
            Self.give(&firstOf, to: &scratchFirst)
            Self.give(&lastOf, to: &scratchLast)
            Self.give(&nextOf, to: &scratchNext)
            Self.give(&pending, to: &scratchPending)
            Self.give(&groupOf, to: &scratchGroup)
        }
        var open = 0
        var timeouts: [Duration] = []
        var groups: [[Int32]] = []
        // Later requests' deadlines, set as their predecessors answer: for
        // each distinct timeout, a queue in deadline order.
        var chainTimeouts: [Duration] = []
        var chains: [[Int32]] = []
        var chainHead: [Int] = []   // the first request of each queue not yet past
        // Allocated only once a later request has a timeout, or a deadline is extended.
        var chainOf: [Int32] = []
        var own: [ContinuousClock.Instant?] = []
        func setOwn(_ k: Int, _ d: ContinuousClock.Instant) {
            if own.isEmpty { own = [ContinuousClock.Instant?](repeating: nil, count: n) }
            own[k] = d
        }
        // First requests given more time by `extend`: each batch (those
        // whose deadline passed at one moment) a queue in deadline order.
        var extended: [[Int32]] = []
        var extendedHead: [Int] = []
        var sent = ContinuousClock.now
        var deadlines: [ContinuousClock.Instant] = []
        /// Request `k`'s deadline: its own (a later request, or extended), else its group's.
        func deadline(_ k: Int) -> ContinuousClock.Instant? {
            if !own.isEmpty, let d = own[k] { return d }
            let g = groupOf[k]
            return g >= 0 ? deadlines[Int(g)] : nil
        }
        /// A deadline for first request `k` still ahead of `now`, if `extend` gives one.
        func extendedDeadline(of k: Int, at now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
            guard let extend, firstOf[requests.target(k)] == Int32(k), let later = extend(k, sent), later > now else { return nil }
            return later
        }
        let base = process.makeRefs(n)
        let alias = process.alias()
        defer { process.unalias(alias) }
        let labelTerm = Term.atom(label)
        let me = process.pid
        for k in 0..<n {
            let i = requests.target(k)
            guard targets.indices.contains(i), ended[i] == nil else { continue }   // noproc
            let target = targets[i]
            if target == me {
                results[k] = .failure(.callingSelf)
                continue
            }
            if monitors[i] == nil {
                let monitor = process.monitor(target)
                monitors[i] = monitor
                targetByMonitor[monitor] = i
            }
            // Dead already (its 'DOWN' may be on its way): gone before the
            // round, as a call to it would find it.
            guard target.endpoint.isAlive else {
                ended[i] = .atom(Atom.noproc)
                continue
            }
            let follows = lastOf[i] >= 0
            if follows { nextOf[Int(lastOf[i])] = Int32(k) } else { firstOf[i] = Int32(k) }
            lastOf[i] = Int32(k)
            pending[k] = true
            open += 1
            if let timeout = requests.timeout(k) {
                if follows {
                    if chainOf.isEmpty { chainOf = [Int32](repeating: -1, count: n) }
                    if let c = chainTimeouts.firstIndex(of: timeout) { chainOf[k] = Int32(c) } else {
                        chainOf[k] = Int32(chainTimeouts.count)
                        chainTimeouts.append(timeout)
                        chains.append([])
                        chainHead.append(0)
                    }
                } else if let g = timeouts.firstIndex(of: timeout) {
                    groups[g].append(Int32(k))
                    groupOf[k] = Int32(g)
                } else {
                    groupOf[k] = Int32(timeouts.count)
                    timeouts.append(timeout)
                    groups.append([Int32(k)])
                }
            }
            let tag = Ref(node: base.node, id: base.id &+ UInt64(k))
            target.send(.tuple([labelTerm, .tuple([.pid(alias), .ref(tag)]), requests.request(k)]))
        }
        sent = ContinuousClock.now
        deadlines = timeouts.map { sent + $0 }
        var expiring = deadlines.indices.sorted { deadlines[$0] < deadlines[$1] }[...]

        /// Ends request `k` and the requests after it to the same target.
        func finish(_ k: Int, _ result: Result<Term, CallError>, at now: ContinuousClock.Instant) {
            pending[k] = false
            open -= 1
            results[k] = result
            var next = Int(nextOf[k])
            guard next >= 0, pending[next] else { return }
            if case .success = result {
                // The next one's handling starts now: its time starts too.
                if !chainOf.isEmpty, chainOf[next] >= 0 {
                    let c = Int(chainOf[next])
                    setOwn(next, now + chainTimeouts[c])
                    chains[c].append(Int32(next))
                }
                return
            }
            while next >= 0 {
                if pending[next] {
                    pending[next] = false
                    open -= 1
                    results[next] = result
                }
                next = Int(nextOf[next])
            }
        }
        func classify(_ message: Term) -> Answer? {
            guard case .tuple(let e) = message else { return nil }
            if e.count == 2, case .ref(let tag) = e[0], tag.node == base.node {
                let offset = tag.id &- base.id
                guard offset < UInt64(n), pending[Int(offset)] else { return nil }
                return .reply(Int(offset), e[1])
            }
            if e.count == 5, e[0] == .atom(Atom.down), case .ref(let monitor) = e[1], let i = targetByMonitor[monitor] {
                var k = firstOf[i]
                while k >= 0, !pending[Int(k)] { k = nextOf[Int(k)] }
                guard k >= 0 else { return nil }   // nothing open: left for a later round, or close()
                return .down(Int(k), e[4])
            }
            return nil
        }
        /// Queues `batch` (requests given new deadlines at one moment) in deadline order.
        func queueExtended(_ batch: inout [(deadline: ContinuousClock.Instant, request: Int32)]) {
            guard !batch.isEmpty else { return }
            batch.sort { $0.deadline < $1.deadline }
            extended.append(batch.map(\.request))
            extendedHead.append(0)
        }
        while open > 0 {
            let now = ContinuousClock.now
            // Requests past their deadline time out (or are given more); the rest wait on.
            while let g = expiring.first, deadlines[g] <= now {
                var later: [(deadline: ContinuousClock.Instant, request: Int32)] = []
                for k in groups[g] where pending[Int(k)] {
                    if let d = extendedDeadline(of: Int(k), at: now) {
                        setOwn(Int(k), d)
                        later.append((d, k))
                    } else {
                        finish(Int(k), .failure(.timeout), at: now)
                    }
                }
                queueExtended(&later)
                expiring = expiring.dropFirst()
            }
            var next = expiring.first.map { deadlines[$0] }
            for c in chains.indices {
                while chainHead[c] < chains[c].count {
                    let k = Int(chains[c][chainHead[c]])
                    guard pending[k] else { chainHead[c] += 1; continue }
                    guard let d = deadline(k) else { break }
                    if d > now { next = min(next ?? d, d); break }
                    chainHead[c] += 1
                    finish(k, .failure(.timeout), at: now)
                }
            }
            var again: [(deadline: ContinuousClock.Instant, request: Int32)] = []
            for x in extended.indices {
                while extendedHead[x] < extended[x].count {
                    let k = Int(extended[x][extendedHead[x]])
                    guard pending[k], let d = deadline(k) else { extendedHead[x] += 1; continue }
                    if d > now { next = min(next ?? d, d); break }
                    extendedHead[x] += 1
                    if let later = extendedDeadline(of: k, at: now) {
                        setOwn(k, later)
                        again.append((later, Int32(k)))
                        next = min(next ?? later, later)
                    } else {
                        finish(k, .failure(.timeout), at: now)
                    }
                }
            }
            queueExtended(&again)
            if open == 0 { break }
            let remaining = next.map { max(.zero, $0 - now) }
            guard let answer = try await process.receive(timeout: remaining, matching: classify) else {
                continue   // a deadline passed: expired above
            }
            switch answer {
            case .reply(let k, let reply):
                guard let d = deadline(k) else {
                    finish(k, .success(reply), at: now)
                    continue
                }
                let now = ContinuousClock.now
                // Taken after its own deadline (while others' answers were
                // taken): late, unless that deadline is extended past now.
                if d >= now {
                    finish(k, .success(reply), at: now)
                } else if let later = extendedDeadline(of: k, at: now) {
                    setOwn(k, later)
                    finish(k, .success(reply), at: now)
                } else {
                    finish(k, .failure(.timeout), at: now)
                }
            case .down(let k, let reason):
                let i = requests.target(k)
                ended[i] = reason
                downTaken[i] = true
                finish(k, .failure(reason == .atom(Atom.noproc) ? .noproc : .exited(reason)), at: now)
            }
        }
        return results
    }

    /// Removes every monitor, and the 'DOWN's of targets that ended since
    /// their last round. Safe to call more than once, and after the process
    /// was killed.
    public func close() {
        var strays = Set<Ref>()
        for i in monitors.indices {
            guard let monitor = monitors[i] else { continue }
            monitors[i] = nil
            // false: the monitor was already gone, its 'DOWN' sent.
            if !process.demonitor(monitor, flush: false) && !downTaken[i] { strays.insert(monitor) }
        }
        targetByMonitor.removeAll()
        guard !strays.isEmpty else { return }
        _ = process.takeMessages { message in
            guard case .tuple(let e) = message, e.count == 5, e[0] == .atom(Atom.down),
                  case .ref(let monitor) = e[1] else { return false }
            return strays.contains(monitor)
        }
    }
}
