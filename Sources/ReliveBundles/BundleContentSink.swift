/// Receives a bundle's verified-so-far content while it is being read.
///
/// The scanner calls `makeDirectory` for directory entries, then for each
/// file `beginFile`, `writeFileData` (any number of times) and `endFile`.
/// A file's hash is checked only after its last chunk, so a sink must treat
/// what it receives as untrusted until the whole scan returns.
protocol BundleContentSink: AnyObject {
    func makeDirectory(_ path: String) throws
    func beginFile(_ entry: BundleManifestEntry) throws
    func writeFileData(_ chunk: UnsafeRawBufferPointer) throws
    func endFile() throws
}
