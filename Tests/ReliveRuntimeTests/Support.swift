import Logging
import ReliveKit
import ReliveRuntime
import Synchronization
import Testing

// Helpers shared by the runtime tests.
//
// Expectations are checked in the test functions, not inside process bodies:
// processes run as detached tasks, outside the test's task, so a process body
// returns (through `node.run`) or sends what it observed and the test asserts.
// Every wait inside a process has a generous timeout that is only a failure
// guard: a missing message fails the test instead of hanging it.

/// How long a test process waits for a message that must come.
let guardTimeout: Duration = .seconds(10)

/// A message that should have arrived did not (within the guard timeout).
struct Missing: Error, CustomStringConvertible {
    let what: String
    var description: String { "missing: \(what)" }
}

/// The error a crashing test process throws.
struct Boom: Error, CustomStringConvertible {
    let why: String
    init(_ why: String = "kaboom") { self.why = why }
    var description: String { "boom: \(why)" }
}

/// A lock-protected value shared between a test and its processes.
final class Box<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    var value: Value { storage.withLock { $0 } }
    func set(_ value: Value) { storage.withLock { $0 = value } }
    func update<R: Sendable>(_ body: (inout Value) -> R) -> R { storage.withLock { body(&$0) } }
}

/// Polls `condition` until it holds or `limit` passes; returns whether it held.
func eventually(within limit: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + limit
    while clock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return condition()
}

extension ProcessContext {
    /// The next message; fails (throws `Missing`) after the guard timeout.
    func next(_ what: String = "a message", timeout: Duration = guardTimeout) async throws -> Term {
        guard let m = try await receive(timeout: timeout) else { throw Missing(what: what) }
        return m
    }

    /// The oldest message `match` accepts; fails after the guard timeout.
    func expect<T>(_ what: String, timeout: Duration = guardTimeout,
                   _ match: (Term) throws -> T?) async throws -> T {
        guard let v = try await receive(timeout: timeout, matching: match) else { throw Missing(what: what) }
        return v
    }

    /// Waits for `{'EXIT', from, Reason}` and returns Reason.
    func exitSignal(from pid: Pid, timeout: Duration = guardTimeout) async throws -> Term {
        try await expect("{'EXIT', \(pid), _}", timeout: timeout) { exitReason(in: $0, from: pid) }
    }

    /// Waits for `{'DOWN', ref, process, _, Reason}` and returns Reason.
    func down(_ ref: Ref, timeout: Duration = guardTimeout) async throws -> Term {
        try await expect("{'DOWN', \(ref), ...}", timeout: timeout) { downReason(in: $0, ref: ref) }
    }
}

/// Reason of an `{'EXIT', from, Reason}` message, else nil.
func exitReason(in message: Term, from pid: Pid) -> Term? {
    guard let e = message.tupleElements, e.count == 3, e[0] == .atom(Atom.exit), e[1] == .pid(pid)
    else { return nil }
    return e[2]
}

/// Reason of a `{'DOWN', ref, process, Pid, Reason}` message, else nil.
func downReason(in message: Term, ref: Ref) -> Term? {
    guard let e = message.tupleElements, e.count == 5, e[0] == .atom(Atom.down), e[1] == .ref(ref),
          e[2] == .atom(Atom.process)
    else { return nil }
    return e[4]
}

/// The reason a process throwing `Boom(why)` ends with: `{error, "…Boom", "boom: why"}`.
func isBoomReason(_ reason: Term, _ why: String = "kaboom") -> Bool {
    guard let e = reason.tupleElements, e.count == 3, e[0] == .atom(Atom.error),
          let type = e[1].stringValue, let text = e[2].stringValue
    else { return false }
    return type.hasSuffix("Boom") && text == "boom: \(why)"
}

/// A fresh node for one test (shut it down with `defer`).
func makeNode(_ name: String = "test@localhost", logger: Logger? = nil) -> Node {
    if let logger { return Node(name: name, logger: logger) }
    // Crash reports of tests that crash processes on purpose would only be noise.
    return Node(name: name, logger: Logger(label: "relive.test", factory: { _ in SwiftLogNoOpLogHandler() }))
}

/// A test double for the log sink: keeps every record so a test can inspect
/// what was logged (a real sink cannot be read back).
struct CapturingLogHandler: LogHandler {
    struct Record: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: Logger.Metadata
    }

    let records: Box<[Record]>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    init(into records: Box<[Record]>) { self.records = records }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        records.update { $0.append(Record(level: event.level, message: event.message.description, metadata: merged)) }
    }
}
