import ReliveKit

@_cdecl("relive_plugin_descriptor")
public func reliveDescriptor() -> UnsafeMutableRawPointer {
    Plugin.export(application: "kv_front", version: frontVersion, modules: [
        .supervisor("kv_front_sup", KVFrontSup()),
        .supervisor("kv_session_sup", KVSessionSup()),
        .genServer("kv_listener", KVListener()),
        .genServer("kv_session", KVSession()),
    ])
}
