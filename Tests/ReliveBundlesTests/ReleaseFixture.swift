import ReliveBundles

/// A small release laid out on disk like systools:make_tar's input: two
/// applications with their .app, plugin and priv files, and the release's
/// .rel, relup and sys.config.
struct ReleaseFixture {
    let name: String
    let version: String
    /// Bundle path → content.
    let contents: [String: [UInt8]]
    /// Bundle paths that are executable.
    let executables: Set<String>
    let files: [BundleFile]

    /// Writes the release under `directory/source-<version>/`.
    /// - Parameter seed: varies the plugin bytes (same seed, same bytes).
    init(in directory: TemporaryDirectory, name: String = "demo", version: String = "2.0.0", seed: UInt64 = 1, pluginSize: Int = 150_000) throws {
        var random = SeededRandom(seed: seed)
        var contents: [String: [UInt8]] = [:]
        contents["lib/counter-\(version)/counter.app"] = Array("{application, counter, [{vsn, \"\(version)\"}]}.\n".utf8)
        contents["lib/counter-\(version)/counter-\(version).so"] = random.bytes(pluginSize)
        contents["lib/counter-\(version)/priv/table.bin"] = random.bytes(3000)
        contents["lib/logger-1.3.0/logger.app"] = Array("{application, logger, [{vsn, \"1.3.0\"}]}.\n".utf8)
        // The same logger version in every release, as in real upgrades.
        var loggerRandom = SeededRandom(seed: 1000)
        contents["lib/logger-1.3.0/logger-1.3.0.so"] = loggerRandom.bytes(20_000)
        let rel = Array("{release, {\"\(name)\", \"\(version)\"}, {relive, \"1.0.0\"}, [{counter, \"\(version)\"}, {logger, \"1.3.0\"}]}.\n".utf8)
        contents["releases/\(name).rel"] = rel
        contents["releases/\(version)/\(name).rel"] = rel
        contents["releases/\(version)/relup"] = Array("{\"\(version)\", [], []}.\n".utf8)
        contents["releases/\(version)/sys.config"] = Array("[].\n".utf8)
        let executables: Set<String> = ["lib/counter-\(version)/counter-\(version).so", "lib/logger-1.3.0/logger-1.3.0.so"]

        var files: [BundleFile] = []
        for (path, bytes) in contents.sorted(by: { $0.key < $1.key }) {
            let source = try directory.write("source-\(version)-\(seed)/\(path)", bytes, mode: executables.contains(path) ? 0o755 : 0o644)
            files.append(BundleFile(source: source, path: path))
        }
        self.name = name
        self.version = version
        self.contents = contents
        self.executables = executables
        self.files = files
    }

    /// A builder for this release with the test defaults.
    func builder(compression: BundleCompression = .gzip, modificationTime: Int64 = 0) -> BundleBuilder {
        BundleBuilder(releaseName: name, releaseVersion: version, files: files, modificationTime: modificationTime, compression: compression)
    }

    /// What a root holds after unpacking only this release (see ``TreeSnapshot``),
    /// not counting the install record of the manifest.
    func expectedFiles() -> [String: [UInt8]] { contents }
}
