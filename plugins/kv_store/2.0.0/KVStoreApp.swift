// kv_store_app: the application's start. Reads the environment (`shards`,
// default 16; `data_dir`, default "data", relative to the node's current
// directory), makes the data directory and starts kv_store_sup.
import ReliveKit

struct KVStoreApp: ApplicationBehaviour {
    /// Most shards the store accepts (each is a process and a log file).
    static let maxShards = 100_000

    func start(type: Term, args: Term, process: any ProcessContext) async throws -> ApplicationStarted {
        let shards = process.environment("kv_store", "shards")?.intValue ?? 16
        guard (1...Self.maxShards).contains(shards) else {
            throw StoreConfigError(message: "kv_store: shards must be 1...\(Self.maxShards), got \(shards)")
        }
        let dir = process.environment("kv_store", "data_dir")?.stringValue ?? "data"
        guard !dir.isEmpty else { throw StoreConfigError(message: "kv_store: data_dir is empty") }
        try ShardLog.makeDirectory(dir)
        let started = try await process.startLink("kv_store_sup", args: [.int(shards), .string(dir)], name: "kv_store_sup")
        guard let pid = started.pid else { throw StoreConfigError(message: "kv_store_sup did not start: \(started)") }
        return ApplicationStarted(supervisor: pid)
    }
}
