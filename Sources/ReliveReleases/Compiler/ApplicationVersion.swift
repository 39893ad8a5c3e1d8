import ReliveKit

/// One version of an application as the compiler sees it: its `.app` spec,
/// where it came from, and (read on demand) its `.appup`.
public struct ApplicationVersion: Sendable {
    public var spec: ApplicationResource
    /// The `.app` file's path, or a label for in-memory versions.
    public var file: String
    /// The appup, when known in advance (in-memory catalogs).
    public var appup: Appup?
    /// The `.appup` file's path, read when the release changes this application.
    public var appupFile: String?

    public init(spec: ApplicationResource, file: String, appup: Appup? = nil, appupFile: String? = nil) {
        self.spec = spec
        self.file = file
        self.appup = appup
        self.appupFile = appupFile
    }
}
