import Crypto
import Foundation
import ReliveCodeServer

/// Plugins built by `relive release build`, kept by the hash of what went into
/// them, so that a rebuild of an unchanged application version is instant.
///
/// The key is SHA-256 over the sources' names and bytes, the kit's module
/// interface and library (a plugin built against another kit is another
/// plugin), the compiler's path and the optimisation flag. A cached plugin is
/// `<directory>/<app>-<vsn>-<key prefix>/<app>-<vsn>.so`; a build writes there
/// through ``PluginBuilder`` (which renames into place), so an interrupted
/// build leaves no entry behind.
struct PluginCache {
    let directory: String
    let builder: PluginBuilder

    /// Result of ``plugin(application:version:sources:)``.
    struct Entry {
        let path: String
        let cached: Bool
    }

    /// The plugin for these sources: the cached one, or a fresh build.
    /// - Throws: ``ToolError`` (`failed`) naming the source folder when the
    ///   sources do not compile; ``ToolError`` for unreadable sources.
    func plugin(application: String, version: String, sources: [String], folder: String) throws -> Entry {
        let key = try self.key(sources: sources)
        let entryDirectory = "\(directory)/\(application)-\(version)-\(key.prefix(16))"
        let path = entryDirectory + "/" + PluginBuilder.fileName(application: application, version: version)
        if FileManager.default.fileExists(atPath: path) { return Entry(path: path, cached: true) }
        do {
            return Entry(path: try builder.build(application: application, version: version, sources: sources,
                                                 outputDirectory: entryDirectory), cached: false)
        } catch let error as PluginBuildError {
            throw ToolError(.failed, file: folder, "\(error)")
        }
    }

    private func key(sources: [String]) throws -> String {
        var hasher = SHA256()
        func add(_ bytes: some DataProtocol) {
            var count = UInt64(bytes.count).littleEndian
            withUnsafeBytes(of: &count) { hasher.update(bufferPointer: $0) }
            hasher.update(data: bytes)
        }
        add(Data(builder.swiftc.utf8))
        add(Data((builder.optimize ? "O" : "Onone").utf8))
        for kitFile in ["libReliveKit.so", "Modules/ReliveKit.swiftmodule"] {
            let path = builder.kitDirectory + "/" + kitFile
            // The module may be a directory (per-triple files): hash its listing's files.
            add(Data(kitFile.utf8))
            for file in Self.files(at: path) {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw ToolError(.failed, file: file, "cannot read the kit")
                }
                add(data)
            }
        }
        for source in sources {
            guard let data = FileManager.default.contents(atPath: source) else {
                throw ToolError(.usage, file: source, "cannot read the source file")
            }
            add(Data((source as NSString).lastPathComponent.utf8))
            add(data)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// `path` itself when a file, else every regular file under it, sorted.
    private static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [path] }
        let names = (FileManager.default.subpaths(atPath: path) ?? []).sorted()
        return names.map { path + "/" + $0 }.filter {
            var dir: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &dir) && !dir.boolValue
        }
    }
}
