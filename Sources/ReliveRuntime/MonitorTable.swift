@_spi(Runtime) import ReliveKit

/// The monitors a process holds on others, by reference.
///
/// A call holds one monitor for a round trip, so most processes hold a few
/// at a time: those sit in a small array, found by comparing references
/// (no hashing; the array keeps its capacity, so a call allocates nothing
/// here). Past `fewLimit` at once (a multi-call round holds thousands),
/// further ones go to a dictionary, so that each is still removed in
/// constant time.
struct MonitorTable {
    private var few: [(ref: Ref, target: LocalProcess)] = []
    private var many: [Ref: LocalProcess] = [:]
    static let fewLimit = 8

    /// Records the monitor `ref` on `target`; `ref` is fresh (not held yet).
    mutating func insert(_ target: LocalProcess, for ref: Ref) {
        if few.count < Self.fewLimit {
            few.append((ref, target))
        } else {
            many[ref] = target
        }
    }

    /// Removes the monitor `ref`; the process it was on, or nil when it is
    /// not held (removed already, or never taken).
    mutating func remove(_ ref: Ref) -> LocalProcess? {
        // Newest first: a call's monitor is the one taken last.
        var i = few.count
        while i > 0 {
            i -= 1
            if few[i].ref.id == ref.id && few[i].ref.node == ref.node {
                let target = few[i].target
                if i != few.count - 1 { few.swapAt(i, few.count - 1) }
                few.removeLast()
                return target
            }
        }
        return many.isEmpty ? nil : many.removeValue(forKey: ref)
    }

    /// Every monitor held, in no particular order.
    var all: [(ref: Ref, target: LocalProcess)] {
        few + many.map { (ref: $0.key, target: $0.value) }
    }

    /// Drops every monitor, keeping nothing.
    mutating func removeAll() {
        few = []
        many = [:]
    }
}
