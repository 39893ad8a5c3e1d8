import Foundation
import Synchronization

/// The demo's client load: `connections` sessions, each on its own thread,
/// each sending requests back to back on its own keys and checking every
/// reply against its own model of the store — values, counters and the
/// session counter (which only a kept session can get right).
///
/// What a node kill may cost is exactly this, and it is counted apart:
/// the one request per connection whose reply was on its way (its effect is
/// then either there or not, and the next read settles which), and the
/// sessions (and their counters), which end with the connections.
/// Everything else failing is a failure of the demo.
final class LoadClient: Sendable {
    /// Counts since the start; ``Counts/minus(_:)`` gives a step's share.
    struct Counts: Sendable {
        var served = 0
        var failed = 0
        var lostToKill = 0
        var reconnects = 0
        var keysVerified = 0
        var maxLatency: Duration = .zero

        func minus(_ earlier: Counts) -> Counts {
            Counts(served: served - earlier.served, failed: failed - earlier.failed,
                   lostToKill: lostToKill - earlier.lostToKill, reconnects: reconnects - earlier.reconnects,
                   keysVerified: keysVerified - earlier.keysVerified, maxLatency: maxLatency)
        }
    }

    private struct State {
        var counts = Counts()
        var failures: [String] = []
        /// What the kill cost, as the sessions saw it (the first few).
        var killCosts: [String] = []
        /// While true, a broken connection is the kill's cost, not a failure.
        var killWindow = false
        var sweepGeneration = 0
        var sweepsDone: [Int] = []
        var connected: Set<Int> = []
        var stop = false
    }

    let port: UInt16
    let connections: Int
    private let state = Mutex(State())

    init(port: UInt16, connections: Int) {
        self.port = port
        self.connections = connections
        state.withLock { $0.sweepsDone = Array(repeating: 0, count: connections) }
    }

    /// Starts every session's thread; returns once all are connected.
    func start() {
        for i in 0..<connections {
            let thread = Thread { [self] in
                var session = Session(index: i, client: self)
                session.run()
            }
            thread.name = "demo-load-\(i)"
            thread.start()
        }
        waitUntil { $0.connected.count == connections }
    }

    func stop() { state.withLock { $0.stop = true } }

    var counts: Counts { state.withLock { $0.counts } }
    var failures: [String] { state.withLock { $0.failures } }
    var killCosts: [String] { state.withLock { $0.killCosts } }

    /// Resets the highest latency seen (each step reports its own).
    func resetMaxLatency() { state.withLock { $0.counts.maxLatency = .zero } }

    /// Marks the start and end of a node kill (see the type's note).
    func setKillWindow(_ open: Bool) { state.withLock { $0.killWindow = open } }

    /// Waits until every session is connected again (after a kill).
    func waitUntilAllConnected() { waitUntil { $0.connected.count == connections } }

    /// Every session reads back every key it wrote and checks it; returns
    /// once all have (the keys checked are counted in ``Counts/keysVerified``).
    func sweep() {
        let generation = state.withLock { s -> Int in s.sweepGeneration += 1; return s.sweepGeneration }
        waitUntil { $0.sweepsDone.allSatisfy { $0 >= generation } }
    }

    private func waitUntil(_ condition: (State) -> Bool) {
        while !state.withLock({ condition($0) }) { usleep(2_000) }
    }

    // MARK: For the sessions

    fileprivate func served(latency: Duration) {
        state.withLock {
            $0.counts.served += 1
            if latency > $0.counts.maxLatency { $0.counts.maxLatency = latency }
        }
    }

    fileprivate func failed(_ what: String) {
        state.withLock {
            $0.counts.failed += 1
            if $0.failures.count < 20 { $0.failures.append(what) }
        }
    }

    /// A broken connection: the kill's cost when the window is open.
    /// - Parameter inFlight: a request of the load was waiting for its reply
    ///   (false for the read-back of a reconnect: a connection the dying
    ///   node's kernel still accepted, then reset, loses nothing).
    /// - Returns: whether it was the kill's.
    fileprivate func connectionBroke(_ session: Int, _ what: String, inFlight: Bool = true) -> Bool {
        state.withLock {
            $0.connected.remove(session)
            if $0.killWindow {
                guard inFlight else { return true }
                $0.counts.lostToKill += 1
                if $0.killCosts.count < 200 { $0.killCosts.append(what) }
                return true
            }
            $0.counts.failed += 1
            if $0.failures.count < 20 { $0.failures.append(what) }
            return false
        }
    }

    fileprivate func connected(_ session: Int, again: Bool) {
        state.withLock {
            $0.connected.insert(session)
            if again { $0.counts.reconnects += 1 }
        }
    }

    fileprivate func verified(_ keys: Int) { state.withLock { $0.counts.keysVerified += keys } }

    fileprivate var stopping: Bool { state.withLock { $0.stop } }
    fileprivate var sweepGeneration: Int { state.withLock { $0.sweepGeneration } }
    fileprivate func swept(_ session: Int, _ generation: Int) { state.withLock { $0.sweepsDone[session] = generation } }
}

/// One client session: its keys, its model, its connection.
private struct Session {
    let index: Int
    let client: LoadClient
    var values: [String: String] = [:]
    var counters: [String: Int] = [:]
    /// Keys whose last write's reply was lost to a kill: either value may be there.
    var uncertain: [String: [String?]] = [:]
    var served = 0
    var random: UInt64
    /// The last exchanges of this session, for the report of its first failure.
    var history: [String] = []
    var reportedHistory = false

    init(index: Int, client: LoadClient) {
        self.index = index
        self.client = client
        self.random = 0x9E37_79B9_7F4A_7C15 &* UInt64(index + 1)
    }

    /// Sends `request` on `connection`, remembering the exchange.
    mutating func exchange(_ request: String, on connection: LineConnection) throws -> String {
        let reply = try connection.request(request)
        history.append("\(request) -> \(reply)")
        if history.count > 12 { history.removeFirst() }
        return reply
    }

    /// A failed check: the first one of the session carries its last exchanges.
    mutating func fail(_ what: String) {
        if reportedHistory { client.failed(what); return }
        reportedHistory = true
        client.failed(what + "\n             last exchanges of session \(index), oldest first:\n               " + history.joined(separator: "\n               "))
    }

    mutating func next(_ bound: Int) -> Int {
        // SplitMix64: a fixed seed per session, so a run is repeatable.
        random &+= 0x9E37_79B9_7F4A_7C15
        var z = random
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }

    mutating func run() {
        var connection = connect(again: false)
        var swept = 0
        while !client.stopping {
            guard let current = connection else { return }
            let generation = client.sweepGeneration
            if generation > swept {
                if verifyAll(on: current) { client.swept(index, generation); swept = generation }
                else { connection = reconnect(); continue }
            }
            let (request, expected, effect) = pick()
            let started = ContinuousClock.now
            do {
                let reply = try exchange(request, on: current)
                client.served(latency: ContinuousClock.now - started)
                served += 1
                if let expected, reply != expected {
                    fail("session \(index): \(request) -> \(reply), expected \(expected)")
                }
                apply(effect, reply: reply)
            } catch {
                history.append("\(request) -> (\(error))")
                if client.connectionBroke(index, "session \(index): \(request): \(error)") { remember(effect) }
                connection = reconnect()
            }
        }
    }

    /// What a request changes in the model once its reply arrived.
    enum Effect {
        case none
        case put(String, String)
        case delete(String)
        case increment(String)
    }

    mutating func pick() -> (String, String?, Effect) {
        let roll = next(100)
        let key = "c\(index):k\(next(20))"
        let counter = "c\(index):n\(next(5))"
        switch roll {
        case 0..<30:
            let value = "v\(next(1_000_000))"
            return ("PUT \(key) \(value)", "OK", .put(key, value))
        case 30..<60:
            return ("GET \(key)", values[key].map { "VALUE \($0)" } ?? "NONE", .none)
        case 60..<70:
            return ("DEL \(key)", "OK", .delete(key))
        case 70..<95:
            return ("INCR \(counter)", "VALUE \((counters[counter] ?? 0) + 1)", .increment(counter))
        default:
            return ("SESSION", "SESSION \(served)", .none)
        }
    }

    mutating func apply(_ effect: Effect, reply: String) {
        switch effect {
        case .none: break
        case .put(let key, let value): values[key] = value
        case .delete(let key): values[key] = nil
        case .increment(let key): counters[key] = (counters[key] ?? 0) + 1
        }
    }

    /// A write whose reply was lost: both outcomes stay possible until read.
    mutating func remember(_ effect: Effect) {
        switch effect {
        case .none: break
        case .put(let key, let value): uncertain[key] = [values[key], value]
        case .delete(let key): uncertain[key] = [values[key], nil]
        case .increment(let key):
            let now = counters[key] ?? 0
            uncertain[key] = [String(now), String(now + 1)]
        }
    }

    mutating func connect(again: Bool) -> LineConnection? {
        while !client.stopping {
            if let connection = try? LineConnection(port: client.port) {
                if again { history.append("(connected again: a new session)") }
                served = 0
                client.connected(index, again: again)
                return connection
            }
            usleep(20_000)
        }
        return nil
    }

    /// After a broken connection: a new session, the uncertain keys
    /// settled by reading them, then every key checked.
    mutating func reconnect() -> LineConnection? {
        while let connection = connect(again: true) {
            if verifyAll(on: connection) { return connection }
        }
        return nil
    }

    /// Reads every key this session wrote and checks it against the model.
    /// - Returns: false when the connection broke on the way.
    mutating func verifyAll(on connection: LineConnection) -> Bool {
        do {
            for (key, candidates) in uncertain {
                let reply = try exchange("GET \(key)", on: connection)
                served += 1
                let isCounter = key.contains(":n")
                let found: String? = reply.hasPrefix("VALUE ") ? String(reply.dropFirst(6)) : nil
                let fallback: String? = isCounter ? "0" : nil
                guard candidates.contains(where: { ($0 ?? fallback) == (found ?? fallback) }) else {
                    fail("session \(index): after the kill \(key) is \(reply), expected one of \(candidates)")
                    continue
                }
                if isCounter { counters[key] = Int(found ?? "0") ?? 0 } else { values[key] = found }
            }
            uncertain = [:]
            var checked = 0
            for i in 0..<20 {
                let key = "c\(index):k\(i)"
                let reply = try exchange("GET \(key)", on: connection)
                served += 1
                let expected = values[key].map { "VALUE \($0)" } ?? "NONE"
                if reply != expected { fail("session \(index): \(key) is \(reply), expected \(expected)") }
                checked += 1
            }
            for i in 0..<5 {
                let key = "c\(index):n\(i)"
                let reply = try exchange("GET \(key)", on: connection)
                served += 1
                let expected = counters[key].map { "VALUE \($0)" } ?? "NONE"
                if reply != expected { fail("session \(index): \(key) is \(reply), expected \(expected)") }
                checked += 1
            }
            client.verified(checked)
            return true
        } catch {
            _ = client.connectionBroke(index, "session \(index): while checking its keys: \(error)", inFlight: false)
            return false
        }
    }
}
