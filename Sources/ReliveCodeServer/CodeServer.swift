import Foundation
import ReliveKit
import ReliveRuntime
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

    public init(node: Node) { self.node = node }

    /// The plugins loaded, by application and version.
    public var plugins: [LoadedPlugin] { loaded.withLock { Array($0.values) } }

    /// Loads the plugin at `path` and makes its modules the current versions.
    ///
    /// Checks, in order: the file exists and its name is `<app>-<vsn>.so`; it
    /// is an ELF shared object; it loads; it exports the entry point; its
    /// descriptor is a kit ``PluginDescriptor`` of this kit's ABI version,
    /// for the application and version its file name says; its module names
    /// are valid and unique, not owned by another application, and each
    /// module's code is of its declared kind. Then an old version still held
    /// is purged as `purge` says, and all modules are registered at once.
    /// - Throws: ``CodeServerError``; the node's modules are then unchanged.
    @discardableResult
    public func load(pluginAt path: String, purge: Purge = .soft) throws -> LoadedPlugin {
        guard FileManager.default.fileExists(atPath: path) else { throw CodeServerError.missingFile(path) }
        guard let (app, vsn) = Self.parseFileName(path) else { throw CodeServerError.badFileName(path) }
        if loaded.withLock({ $0["\(app)-\(vsn)"] != nil }) {
            throw CodeServerError.alreadyLoaded(application: app, version: vsn)
        }
        guard Self.isELFSharedObject(path) else { throw CodeServerError.notAnELFSharedObject(path) }

        let library: DynamicLibrary
        do { library = try DynamicLibrary(path: path) } catch {
            if case .openFailed(_, let message) = error { throw CodeServerError.loadFailed(path, message: message) }
            throw CodeServerError.loadFailed(path, message: "\(error)")
        }
        images.withLock { $0.append(path) }
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
            if let owner = node.modules.current(name)?.application, owner != app {
                throw CodeServerError.moduleOwnedByAnotherApplication(path, module: module.name, owner: owner)
            }
            let code = module.make()
            guard code.kind == module.kind else {
                throw CodeServerError.kindMismatch(path, module: module.name, declared: module.kind, actual: code.kind)
            }
            modules.append(LoadedModule(name: name, version: vsn, application: app, code: code))
        }
        try purgeOld(of: modules.map(\.name), mode: purge)
        do { try node.modules.load(modules) } catch {
            if case .notPurged(let old) = error {
                throw CodeServerError.oldCodeInUse(module: "\(old.name)", version: old.version, processes: node.modules.users(of: old))
            }
            throw error
        }
        let plugin = LoadedPlugin(application: app, version: vsn, path: path, modules: modules)
        loaded.withLock { $0["\(app)-\(vsn)"] = plugin }
        return plugin
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

    /// Checks every old version first, so a refused soft purge changes nothing.
    private func purgeOld(of names: [Atom], mode: Purge) throws {
        if mode == .soft {
            for name in names {
                if let old = node.modules.old(name), case let users = node.modules.users(of: old), !users.isEmpty {
                    throw CodeServerError.oldCodeInUse(module: "\(name)", version: old.version, processes: users)
                }
            }
        }
        for name in names { try purge(name, mode: mode) }
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

    /// True for an ELF file of type ET_DYN.
    static func isELFSharedObject(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 18), header.count == 18 else { return false }
        let bytes = [UInt8](header)
        guard bytes[0] == 0x7F, bytes[1] == 0x45, bytes[2] == 0x4C, bytes[3] == 0x46 else { return false }
        let littleEndian = bytes[5] == 1
        let type = littleEndian ? UInt16(bytes[16]) | UInt16(bytes[17]) << 8 : UInt16(bytes[17]) | UInt16(bytes[16]) << 8
        return type == 3   // ET_DYN
    }
}
