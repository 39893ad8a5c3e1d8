import ArgumentParser
import ReliveBundles

/// `relive bundle create`: builds a reproducible, optionally signed bundle.
struct BundleCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a release bundle.",
        discussion: """
            Files come from --from (a directory already laid out as the bundle: \
            lib/<app>-<vsn>/..., releases/...) and/or --file SOURCE=PATH. \
            The same inputs always give the same bytes; the mtime of every entry \
            is --mtime, else SOURCE_DATE_EPOCH, else 0.
            """
    )

    @Option(help: "The release name (as in releases/<name>.rel).")
    var name: String

    @Option(help: "The release version (as in releases/<vsn>/).")
    var vsn: String

    @Option(name: [.short, .long], help: "The bundle to write (.tar.gz, .tar.zst or .tar).")
    var output: String

    @Option(help: "A directory laid out as the bundle; all its files go in.")
    var from: String?

    @Option(name: .customLong("file"), help: "SOURCE=PATH: put file SOURCE into the bundle at PATH (repeatable).")
    var fileMappings: [String] = []

    @Option(help: "Sign the manifest with this secret key file (see `relive bundle keygen`).")
    var sign: String?

    @Option(help: "Entry modification time, seconds since the epoch.")
    var mtime: Int64?

    @Option(help: "gzip, zstd or none (default: from the output's extension).")
    var compression: BundleCompression?

    @Option(help: "Compression level (gzip 1-9, zstd 1-19).")
    var level: Int?

    func validate() throws {
        if from == nil && fileMappings.isEmpty {
            throw ValidationError("give --from DIRECTORY and/or at least one --file SOURCE=PATH")
        }
        for mapping in fileMappings where !mapping.contains("=") {
            throw ValidationError("--file '\(mapping)' is not SOURCE=PATH")
        }
    }

    func run() throws {
        try BundleExitStatus.run {
            var files = try from.map { try BundleFile.files(inDirectory: $0) } ?? []
            for mapping in fileMappings {
                // Split at the first '=': bundle paths may contain '=', sources rarely do.
                let parts = mapping.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw BundleError(.invalidInput, entry: mapping, "not SOURCE=PATH") }
                files.append(BundleFile(source: String(parts[0]), path: String(parts[1])))
            }
            let builder = BundleBuilder(
                releaseName: name,
                releaseVersion: vsn,
                files: files,
                modificationTime: try mtime ?? BundleBuilder.defaultModificationTime(),
                compression: compression ?? BundleCompression(forPath: output),
                compressionLevel: level,
                signingKey: try sign.map { try BundleKeyFile.readSecretKey(at: $0) }
            )
            let manifest = try builder.build(to: output)
            print("wrote \(output): \(manifest.releaseName) \(manifest.releaseVersion), \(manifest.entries.count) files, \(manifest.totalSize) bytes\(sign == nil ? "" : ", signed")")
        }
    }
}
