import ArgumentParser
import ReliveBundles

/// The decompression-bomb limits, as options shared by the reading commands.
struct BundleLimitOptions: ParsableArguments {
    @Option(help: "Refuse bundles whose files add up to more than this many bytes.")
    var maxTotalBytes: Int64 = BundleLimits.standard.maximumTotalBytes

    @Option(help: "Refuse bundles with a file larger than this many bytes.")
    var maxFileBytes: Int64 = BundleLimits.standard.maximumEntryBytes

    @Option(help: "Refuse bundles with more than this many archive entries.")
    var maxEntries: Int = BundleLimits.standard.maximumEntryCount

    var limits: BundleLimits {
        BundleLimits(maximumTotalBytes: maxTotalBytes, maximumEntryBytes: maxFileBytes, maximumEntryCount: maxEntries)
    }
}
