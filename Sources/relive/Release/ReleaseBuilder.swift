import Foundation
import ReliveBundles
import ReliveCodeServer
import ReliveKit
import ReliveReleases

/// Builds one release bundle from a project (OTP's `make_script` + `make_tar`,
/// rebar3's `release` + `relup` + `tar`): plugins (cached), `.app` and
/// `.appup` files, the relup against each older release, `sys.config`, and
/// one reproducible, optionally signed bundle in the layout of docs/bundles.md.
///
/// Nothing is written outside the project's `_build/relive/` folder and the
/// output; the output appears whole or not at all (``BundleBuilder`` renames
/// it into place).
struct ReleaseBuilder {
    let project: ReleaseProject
    let releaseFile: String
    let upFrom: [String]
    let strict: Bool
    let signingKey: String?
    let output: String?
    /// A host folder to carry as `hosts/<vsn>/` (`--host`).
    let host: String?
    /// Build plugins with `-O` (off: `--debug`, faster to compile).
    let optimize: Bool
    let progress: (String) -> Void

    /// What a build produced.
    struct Result {
        let bundle: String
        let name: String
        let version: String
        let files: Int
        let bytes: Int
        let signed: Bool
        let warnings: [String]
        /// (application, version, taken from the cache)
        let plugins: [(String, String, Bool)]
    }

    /// - Throws: ``ToolError`` naming the file at fault: `usage` for bad input
    ///   (a `.rel`, `.app`, `.appup` or `sys.config` that does not read, a
    ///   missing application version, a relup that cannot be compiled, an
    ///   uncovered module under `--strict`), `failed` for a plugin that does
    ///   not compile or an output that cannot be written.
    func build() throws -> Result {
        progress("reading \(releaseFile)")
        let release = try read(releaseFile) { try ReleaseSpec.read(path: releaseFile) }
        let bases = try upFrom.map { file in (file, try read(file) { try ReleaseSpec.read(path: file) }) }

        // Every application version of the target and older releases goes into the catalog.
        var catalog = ApplicationCatalog()
        for (file, spec) in [(releaseFile, release)] + bases {
            for app in spec.applications {
                catalog.add(try applicationVersion(app.name.name, app.vsn, named: file))
            }
        }

        let plugins = try buildPlugins(release)
        let work = "\(project.buildFolder)/\(release.name)-\(release.vsn)"
        try createDirectory(work)

        let relupPath = work + "/relup"
        let warnings = try compileRelup(release, bases: bases, catalog: catalog, to: relupPath)

        let sysConfigPath = try sysConfig(release, work: work)

        progress("packing the bundle")
        var files: [BundleFile] = []
        for app in release.applications {
            let dir = "lib/\(app.name.name)-\(app.vsn)"
            let name = app.name.name
            files.append(BundleFile(source: project.applicationFile(application: name, version: app.vsn), path: "\(dir)/\(name).app"))
            let appup = project.appupFile(application: name, version: app.vsn)
            if FileManager.default.fileExists(atPath: appup) {
                files.append(BundleFile(source: appup, path: "\(dir)/\(name).appup"))
            }
            if let plugin = plugins.first(where: { $0.0 == name && $0.1 == app.vsn }) {
                files.append(BundleFile(source: plugin.2, path: "\(dir)/\(PluginBuilder.fileName(application: name, version: app.vsn))"))
            }
        }
        files.append(BundleFile(source: releaseFile, path: "releases/\(release.name).rel"))
        files.append(BundleFile(source: releaseFile, path: "releases/\(release.vsn)/\(release.name).rel"))
        files.append(BundleFile(source: relupPath, path: "releases/\(release.vsn)/relup"))
        files.append(BundleFile(source: sysConfigPath, path: "releases/\(release.vsn)/sys.config"))
        if let host { files += try hostFiles(host, for: release) }

        let bundle = output ?? project.defaultBundle(release: release.name, version: release.vsn)
        try createDirectory((bundle as NSString).deletingLastPathComponent)
        let builder = BundleBuilder(
            releaseName: release.name,
            releaseVersion: release.vsn,
            files: files,
            modificationTime: try BundleBuilder.defaultModificationTime(),
            compression: BundleCompression(forPath: bundle),
            compressionLevel: nil,
            signingKey: try signingKey.map { try BundleKeyFile.readSecretKey(at: $0) }
        )
        let manifest = try builder.build(to: bundle)
        return Result(bundle: bundle, name: release.name, version: release.vsn, files: manifest.entries.count,
                      bytes: Int(manifest.totalSize), signed: signingKey != nil, warnings: warnings,
                      plugins: plugins.map { ($0.0, $0.1, $0.3) })
    }

    // MARK: steps

    /// The files of a host folder as `hosts/<vsn>/…`, after checking that its
    /// `bin/relive` says it is the host the release names.
    /// - Throws: ``ToolError`` `usage` naming the folder: no program, or another host.
    private func hostFiles(_ folder: String, for release: ReleaseSpec) throws -> [BundleFile] {
        let program = folder + "/bin/relive"
        guard FileManager.default.isExecutableFile(atPath: program) else {
            throw ToolError(.usage, file: folder, "--host: no executable bin/relive in the folder")
        }
        progress("checking the host in \(folder)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = ["host-version"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw ToolError(.usage, file: program, "--host: cannot run it: \(error)") }
        let output = pipe.fileHandleForReading.readDataToEndOfFile().prefix(4096)
        process.waitUntilExit()
        let version = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, version == release.runtimeVsn else {
            throw ToolError(.usage, file: folder, "--host: \(program) is host \(version.isEmpty ? "(no answer)" : version), but \(releaseFile) runs on \(release.runtimeVsn)")
        }
        let files: [BundleFile]
        do { files = try BundleFile.files(inDirectory: folder) } catch { throw ToolError(.usage, file: folder, "--host: \(error)") }
        return files.map { BundleFile(source: $0.source, path: "hosts/\(release.runtimeVsn)/\($0.path)") }
    }

    /// (application, version, plugin path, cached) for each application of `release`.
    private func buildPlugins(_ release: ReleaseSpec) throws -> [(String, String, String, Bool)] {
        var builder: PluginBuilder
        do { builder = try PluginBuilder.locate() } catch { throw ToolError(.failed, "\(error)") }
        builder.optimize = optimize
        let cache = PluginCache(directory: project.buildFolder + "/plugins", builder: builder)
        var result: [(String, String, String, Bool)] = []
        for app in release.applications {
            let name = app.name.name
            let folder = project.sourceFolder(application: name, version: app.vsn)
            let sources = try PluginSources.list(folder: folder)
            if sources.isEmpty {
                // An application without code (a library of .app only) has no plugin.
                progress("\(name) \(app.vsn): no Swift sources in \(folder), no plugin")
                continue
            }
            progress("plugin \(name) \(app.vsn)")
            let entry = try cache.plugin(application: name, version: app.vsn, sources: sources, folder: folder)
            progress("plugin \(name) \(app.vsn): \(entry.cached ? "unchanged (cached)" : "built")")
            result.append((name, app.vsn, entry.path, entry.cached))
        }
        return result
    }

    private func compileRelup(_ release: ReleaseSpec, bases: [(String, ReleaseSpec)], catalog: ApplicationCatalog,
                              to path: String) throws -> [String] {
        let relup: Relup
        var warnings: [String] = []
        if bases.isEmpty {
            // A first release has nothing to upgrade from; an empty relup keeps the layout whole.
            relup = Relup(vsn: release.vsn, up: [], down: [])
        } else {
            progress("relup \(release.vsn) from \(bases.map(\.1.vsn).joined(separator: ", "))")
            let compiler = RelupCompiler(catalog: catalog, options: .init(strict: strict))
            let inputs = bases.map { RelupCompiler.Input(release: $0.1, file: $0.0) }
            let result = Swift.Result { () throws(RelupError) -> RelupCompiler.Output in
                try compiler.compile(to: .init(release: release, file: releaseFile), upFrom: inputs, downTo: inputs)
            }
            switch result {
            case .success(let out):
                relup = out.relup
                warnings = out.warnings.map(\.description)
            case .failure(let error):
                throw ToolError(.usage, file: culprit(of: error, in: release), "\(error.name): \(error.message)")
            }
            for warning in warnings { progress(warning) }
        }
        do { try relup.write(to: path) } catch { throw ToolError(.failed, file: path, "\(error)") }
        return warnings
    }

    /// The appup of the first application a relup error names, else the `.rel`.
    private func culprit(of error: RelupError, in release: ReleaseSpec) -> String {
        var atoms: [String] = []
        func walk(_ term: Term) {
            switch term {
            case .atom(let a): atoms.append(a.name)
            case .tuple(let items), .list(let items): items.forEach(walk)
            default: break
            }
        }
        walk(error.reason)
        for atom in atoms {
            if let app = release.applications.first(where: { $0.name.name == atom }) {
                let appup = project.appupFile(application: atom, version: app.vsn)
                if FileManager.default.fileExists(atPath: appup) { return appup }
                return project.applicationFile(application: atom, version: app.vsn)
            }
        }
        return releaseFile
    }

    private func sysConfig(_ release: ReleaseSpec, work: String) throws -> String {
        let given = project.sysConfigFile(release: release.name, version: release.vsn)
        if FileManager.default.fileExists(atPath: given) {
            _ = try read(given) { try SysConfig.read(path: given) }
            progress("sys.config from \(given)")
            return given
        }
        let empty = work + "/sys.config"
        guard FileManager.default.createFile(atPath: empty, contents: Data("[].\n".utf8)) else {
            throw ToolError(.failed, file: empty, "cannot write")
        }
        progress("sys.config: none in \(given), an empty one")
        return empty
    }

    private func applicationVersion(_ name: String, _ vsn: String, named releaseFile: String) throws -> ApplicationVersion {
        let file = project.applicationFile(application: name, version: vsn)
        guard FileManager.default.fileExists(atPath: file) else {
            throw ToolError(.usage, file: releaseFile, "application \(name) \(vsn) is missing: no \(file)")
        }
        let spec = try read(file) { try ApplicationResource.read(path: file) }
        guard spec.name.name == name, spec.vsn == vsn else {
            throw ToolError(.usage, file: file, "describes \(spec.name.name) \(spec.vsn), the release wants \(name) \(vsn)")
        }
        let appup = project.appupFile(application: name, version: vsn)
        return ApplicationVersion(spec: spec, file: file,
                                  appupFile: FileManager.default.fileExists(atPath: appup) ? appup : nil)
    }

    /// Runs a reader; any error becomes a usage error naming `file`.
    private func read<T>(_ file: String, _ body: () throws -> T) throws -> T {
        guard FileManager.default.fileExists(atPath: file) else { throw ToolError(.usage, file: file, "no such file") }
        do { return try body() } catch { throw ToolError(.usage, file: file, "\(error)") }
    }

    private func createDirectory(_ path: String) throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        catch { throw ToolError(.failed, file: path, "cannot create the folder: \(error.localizedDescription)") }
    }
}
