import Foundation
import ReliveKit
import ReliveRuntime
import ReliveSystem
import Synchronization

/// Loads behaviour code from plugins into a node (OTP's code server).
///
/// Loading is all-or-nothing: every check runs before the first module is
/// registered, and the node's module table takes all of a plugin's modules at
/// once. A plugin's image is never unmapped (Swift code cannot be safely),
/// so a refused plugin that got as far as `dlopen` stays mapped but unused, and
/// purge is logical: the old version stops being reachable, its memory stays.
public final class CodeServer: Sendable {
    /// How to treat an old version still held when a new one is loaded.
    public enum Purge: Sendable {
        /// Refuse to load while a process runs the old version.
        case soft
        /// Kill the processes running the old version, then load.
        case brutal
    }

    public let node: Node
    private let loaded = Mutex<[String: LoadedPlugin]>([:])   // "app-vsn" → plugin
    private let images = Mutex<[String]>([])                   // every path ever dlopened
    /// Every file any code server of this OS process dlopened, kept open for
    /// good: the loader knows it as `/proc/self/fd/N` and answers a later
    /// `dlopen` of that name with the object already loaded, so no N may be
    /// reused (its image is never unmapped either).
    private static let keptOpen = Mutex<[OpenFile]>([])

    public init(node: Node) { self.node = node }

    /// The plugins loaded, by application and version.
    public var plugins: [LoadedPlugin] { loaded.withLock { Array($0.values) } }

    /// Loads the plugin at `path` and makes its modules the current versions.
    ///
    /// The file is opened once (see ``PluginFile``): its folder resolved, the
    /// file itself opened with `O_NOFOLLOW`; it must be a regular file, it and
    /// its folder owned by root or this node's user and writable by no one
    /// else, and an ELF shared object. When `expectedSHA256` is given, the
    /// content read from that descriptor must have that hash. `dlopen` then
    /// loads that very descriptor (`/proc/self/fd/N`).
    ///
    /// Then: its name is `<app>-<vsn>.so`; it exports the entry point; its
    /// descriptor is a kit ``PluginDescriptor`` of this kit's ABI version,
    /// for the application and version its file name says; its module names
    /// are valid and unique, and each module's code is of its declared kind.
    /// Finally, in one step under the code server's lock: it is not already
    /// loaded, no module belongs to another application, a soft purge finds
    /// no process on an old version — and only when all of that holds, old
    /// versions are purged as `purge` says and all modules are registered.
    /// - Parameter expectedSHA256: lowercase or uppercase hex SHA-256 the file
    ///   must have (the verified manifest's), or nil.
    /// - Throws: ``CodeServerError``; the node's modules, the loaded plugins
    ///   and every process are then unchanged.
    @discardableResult
    public func load(pluginAt path: String, purge: Purge = .soft, expectedSHA256: String? = nil) throws -> LoadedPlugin {
        let plugin = try PluginFile(opening: path)
        guard let (app, vsn) = Self.parseFileName(path) else { throw CodeServerError.badFileName(path) }
        if let expectedSHA256 {
            let actual = try plugin.sha256()
            guard actual == expectedSHA256.lowercased() else {
                throw CodeServerError.hashMismatch(plugin.path, expected: expectedSHA256, actual: actual)
            }
        }
        // Cheap early answer; the binding check is repeated in the commit step.
        if loaded.withLock({ $0["\(app)-\(vsn)"] != nil }) {
            throw CodeServerError.alreadyLoaded(application: app, version: vsn)
        }

        let library: DynamicLibrary
        do { library = try DynamicLibrary(opening: plugin.descriptorPath, shownAs: plugin.path) } catch {
            if case .openFailed(_, let message) = error { throw CodeServerError.loadFailed(path, message: message) }
            throw CodeServerError.loadFailed(path, message: "\(error)")
        }
        Self.keptOpen.withLock { $0.append(plugin.file) }
        images.withLock { $0.append(plugin.path) }
        let descriptor: any PluginDescriptor
        do { descriptor = try library.descriptor() } catch {
            switch error {
            case .missingSymbol: throw CodeServerError.missingEntryPoint(path)
            case .notADescriptor(_, let type): throw CodeServerError.notADescriptor(path, type: type)
            case .openFailed(_, let message): throw CodeServerError.loadFailed(path, message: message)
            }
        }
        // The ABI version is read first, before anything else of the plugin's is used.
        guard descriptor.abiVersion == KitABI.version else {
            throw CodeServerError.abiMismatch(path, plugin: descriptor.abiVersion, kit: KitABI.version)
        }
        guard descriptor.application == app, descriptor.version == vsn else {
            throw CodeServerError.descriptorMismatch(path, fileApplication: app, fileVersion: vsn,
                                                    descriptorApplication: descriptor.application,
                                                    descriptorVersion: descriptor.version)
        }
        var modules: [LoadedModule] = []
        var seen = Set<Atom>()
        for module in descriptor.modules {
            guard let name = Atom(validating: module.name), !module.name.isEmpty else {
                throw CodeServerError.badModuleName(path, module: module.name)
            }
            guard seen.insert(name).inserted else { throw CodeServerError.duplicateModule(path, module: module.name) }
            let code = module.make()
            guard code.kind == module.kind else {
                throw CodeServerError.kindMismatch(path, module: module.name, declared: module.kind, actual: code.kind)
            }
            modules.append(LoadedModule(name: name, version: vsn, application: app, code: code))
        }
        let result = LoadedPlugin(application: app, version: vsn, path: path, modules: modules,
                                  functions: descriptor.functions)
        try commit(result, purge: purge)
        return result
    }

    /// The one step that changes anything: checks, then purges and inserts,
    /// all under the `loaded` lock, so two loads cannot interleave and nothing
    /// is purged (no process killed) unless the insert is sure to succeed.
    private func commit(_ plugin: LoadedPlugin, purge: Purge) throws {
        let key = "\(plugin.application)-\(plugin.version)"
        try loaded.withLock { (loaded: inout [String: LoadedPlugin]) throws in
            guard loaded[key] == nil else {
                throw CodeServerError.alreadyLoaded(application: plugin.application, version: plugin.version)
            }
            for module in plugin.modules {
                if let owner = node.modules.current(module.name)?.application, owner != plugin.application {
                    throw CodeServerError.moduleOwnedByAnotherApplication(plugin.path, module: "\(module.name)", owner: owner)
                }
                if purge == .soft, let old = node.modules.old(module.name), case let users = node.modules.users(of: old), !users.isEmpty {
                    throw CodeServerError.oldCodeInUse(module: "\(module.name)", version: old.version, processes: users)
                }
            }
            // Everything is checked: from here the purge and the insert both
            // succeed (every old version is dropped first, so `load` finds none).
            for module in plugin.modules { try self.purge(module.name, mode: purge) }
            do throws(ModuleTableError) { try node.modules.load(plugin.modules) } catch {
                if case .notPurged(let old) = error {
                    throw CodeServerError.oldCodeInUse(module: "\(old.name)", version: old.version, processes: node.modules.users(of: old))
                }
                throw error
            }
            loaded[key] = plugin
        }
    }

    /// Undoes ``load(pluginAt:purge:)`` of `plugin`: its modules' previous
    /// versions become current again, and the plugin is forgotten (its image
    /// stays mapped, unused). For rolling back a failed upgrade.
    public func rollBack(_ plugin: LoadedPlugin) {
        node.modules.rollBack(plugin.modules)
        loaded.withLock { _ = $0.removeValue(forKey: "\(plugin.application)-\(plugin.version)") }
    }

    /// Drops the old version of `module` (OTP's soft_purge / purge).
    /// - Returns: the processes killed (brutal purge only).
    /// - Throws: ``CodeServerError/oldCodeInUse(module:version:processes:)`` for a soft purge.
    @discardableResult
    public func purge(_ module: Atom, mode: Purge) throws -> [Pid] {
        do { return try node.modules.purge(module, brutal: mode == .brutal) } catch {
            if case .oldCodeInUse(let old, let pids) = error {
                throw CodeServerError.oldCodeInUse(module: "\(old.name)", version: old.version, processes: pids)
            }
            throw error
        }
    }

    /// Plugin images mapped into this OS process (they are never unmapped),
    /// and the resident memory they hold, from `/proc/self/smaps`.
    public var retainedImages: (count: Int, residentBytes: Int) {
        let paths = Set(images.withLock { $0 }.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path })
        return (paths.count, Self.residentBytes(ofMappingsOf: paths))
    }

    static func residentBytes(ofMappingsOf paths: Set<String>) -> Int {
        guard let smaps = FileHandle(forReadingAtPath: "/proc/self/smaps")?.readDataToEndOfFile() else { return 0 }
        var total = 0
        var inPlugin = false
        for line in String(decoding: smaps, as: UTF8.self).split(separator: "\n") {
            if let first = line.first, first.isHexDigit, line.contains("-") {
                inPlugin = paths.contains(where: { line.hasSuffix($0) })
            } else if inPlugin, line.hasPrefix("Rss:") {
                let kb = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
                total += kb * 1024
            }
        }
        return total
    }

    /// `counter-2.0.0.so` → (`counter`, `2.0.0`): the application is the part
    /// before the first `-`.
    static func parseFileName(_ path: String) -> (String, String)? {
        let file = URL(fileURLWithPath: path).lastPathComponent
        guard file.hasSuffix(".so") else { return nil }
        let stem = file.dropLast(3)
        guard let dash = stem.firstIndex(of: "-") else { return nil }
        let app = String(stem[..<dash]), vsn = String(stem[stem.index(after: dash)...])
        guard !app.isEmpty, !vsn.isEmpty else { return nil }
        return (app, vsn)
    }
}
