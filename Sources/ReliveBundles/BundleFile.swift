/// One file to put into a bundle: where it is on disk and where it goes.
public struct BundleFile: Sendable, Equatable {
    /// The file on disk (symbolic links are followed; the target must be a
    /// regular file).
    public var source: String
    /// The path inside the bundle, e.g. `lib/counter-2.0.0/counter-2.0.0.so`.
    public var path: String
    /// Whether to install it executable (0755) rather than 0644; nil takes it
    /// from the source (executable if any execute bit is set).
    public var isExecutable: Bool?

    public init(source: String, path: String, isExecutable: Bool? = nil) {
        self.source = source
        self.path = path
        self.isExecutable = isExecutable
    }
}
