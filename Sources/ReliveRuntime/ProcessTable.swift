import Synchronization

/// A node's live processes by serial, split into shards with a lock each.
///
/// Serials are handed out in sequence, so consecutive spawns land in
/// different shards: a spawner and the processes exiting on other workers
/// rarely contend for one lock, and no single Dictionary rehashes under it
/// on every growth step. Whole-table reads (count, the list at shutdown) take
/// the shards one by one; they are not atomic snapshots, as they were not
/// before (a process may spawn or exit right after its shard was read).
final class ProcessTable: Sendable {
    private final class Shard: Sendable {
        let map = Mutex<[UInt64: LocalProcess]>([:])
    }

    /// A power of two, so a serial's shard is a mask.
    private static let shardCount = 16
    private let shards: [Shard] = (0..<ProcessTable.shardCount).map { _ in Shard() }

    @inline(__always) private func shard(_ serial: UInt64) -> Shard {
        shards[Int(truncatingIfNeeded: serial) & (Self.shardCount - 1)]
    }

    func insert(_ process: LocalProcess) {
        shard(process.serial).map.withLock { $0[process.serial] = process }
    }

    func remove(_ process: LocalProcess) {
        shard(process.serial).map.withLock { _ = $0.removeValue(forKey: process.serial) }
    }

    /// The number of live processes.
    var count: Int { shards.reduce(0) { sum, s in sum + s.map.withLock { $0.count } } }

    /// Every live process.
    var all: [LocalProcess] { shards.flatMap { s in s.map.withLock { Array($0.values) } } }
}
