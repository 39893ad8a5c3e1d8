import Foundation

/// The Swift sources of one application version's plugin: every `*.swift`
/// directly in its folder, sorted by name (one list for `relive plugin build`
/// and `relive release build`).
enum PluginSources {
    /// - Throws: ``ToolError`` (`usage`) naming the folder when it cannot be listed.
    static func list(folder: String) throws -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw ToolError(.usage, file: folder, "no such source folder")
        }
        return names.filter { $0.hasSuffix(".swift") }.sorted().map { folder + "/" + $0 }
    }
}
