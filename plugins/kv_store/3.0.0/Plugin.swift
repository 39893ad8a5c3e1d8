import ReliveKit

@_cdecl("relive_plugin_descriptor")
public func reliveDescriptor() -> UnsafeMutableRawPointer {
    Plugin.export(application: "kv_store", version: storeVersion, modules: [
        .application("kv_store_app", KVStoreApp()),
        .supervisor("kv_store_sup", KVStoreSup()),
        .supervisor("kv_janitor_sup", KVJanitorSup()),
        .genServer("kv_shard", KVShard()),
        .genServer("kv_janitor", KVJanitor()),
    ])
}
