import Foundation

/// Compiles the Swift sources of one application version into its plugin,
/// `<app>-<vsn>.so`, against the one kit library.
///
/// The flags are the ones the measured notes require: a Swift module name
/// unique to the version (so two versions' types never share a name), the kit
/// linked as a shared library (one copy per OS process), and `-z nodelete`
/// (the image is never unmapped).
public struct PluginBuilder: Sendable {
    /// Where the kit's `libReliveKit.so` and its `Modules/` folder are.
    public var kitDirectory: String
    /// The Swift compiler.
    public var swiftc: String
    /// Build with optimisation (`-O`); off makes builds faster.
    public var optimize: Bool

    public init(kitDirectory: String, swiftc: String, optimize: Bool = true) {
        self.kitDirectory = kitDirectory
        self.swiftc = swiftc
        self.optimize = optimize
    }

    /// A builder for the kit next to `executable` (the layout of a SwiftPM
    /// build folder and of an install root's `bin/`), or in `$RELIVE_KIT_DIR`,
    /// with `swiftc` from `$SWIFTC` or the `PATH`.
    /// - Throws: ``PluginBuildError/kitNotFound(searched:)`` or ``PluginBuildError/compilerNotFound``.
    public static func locate(nearExecutable executable: String = CommandLine.arguments[0]) throws -> PluginBuilder {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let dir = environment["RELIVE_KIT_DIR"] { candidates.append(dir) }
        let exeDir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent().path
        candidates.append(exeDir)
        candidates.append(URL(fileURLWithPath: exeDir).deletingLastPathComponent().path)
        guard let kit = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/libReliveKit.so")
                                                 && FileManager.default.fileExists(atPath: $0 + "/Modules/ReliveKit.swiftmodule") }) else {
            throw PluginBuildError.kitNotFound(searched: candidates)
        }
        // $SWIFTC, then the PATH, then the toolchain this process's Swift
        // runtime came from (<toolchain>/usr/lib/swift/linux/libswiftCore.so).
        let path = environment["PATH", default: "/usr/bin"].split(separator: ":").map(String.init)
        let compilers = path.map { $0 + "/swiftc" } + [Self.runtimeToolchainCompiler()].compactMap { $0 }
        let compiler = environment["SWIFTC"] ?? compilers.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let compiler else { throw PluginBuildError.compilerNotFound }
        return PluginBuilder(kitDirectory: kit, swiftc: compiler)
    }

    /// `<toolchain>/usr/bin/swiftc` for the toolchain whose `libswiftCore.so`
    /// this process runs, from `/proc/self/maps`.
    static func runtimeToolchainCompiler() -> String? {
        guard let maps = FileHandle(forReadingAtPath: "/proc/self/maps")?.readDataToEndOfFile() else { return nil }
        for line in String(decoding: maps, as: UTF8.self).split(separator: "\n") {
            guard let path = line.split(separator: " ").last, path.hasSuffix("/lib/swift/linux/libswiftCore.so") else { continue }
            let usr = URL(fileURLWithPath: String(path)).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent()
            return usr.appendingPathComponent("bin/swiftc").path
        }
        return nil
    }

    /// The Swift module name of an application version: `counter` `2.0.0` →
    /// `counter_2_0_0` (anything but letters and digits becomes `_`).
    public static func moduleName(application: String, version: String) -> String {
        let raw = application + "_" + version
        var name = String(raw.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar)) ? Character(scalar) : "_"
        })
        if let first = name.unicodeScalars.first, CharacterSet.decimalDigits.contains(first) { name = "_" + name }
        return name
    }

    /// The plugin's file name: `<app>-<vsn>.so`.
    public static func fileName(application: String, version: String) -> String {
        "\(application)-\(version).so"
    }

    /// Compiles `sources` into `outputDirectory/<app>-<vsn>.so`.
    /// - Returns: the plugin's path.
    /// - Throws: ``PluginBuildError/compileFailed(application:version:output:)``
    ///   with the compiler's diagnostics; no plugin file is left behind on failure.
    public func build(application: String, version: String, sources: [String], outputDirectory: String) throws -> String {
        guard !sources.isEmpty else { throw PluginBuildError.noSources(application: application, version: version) }
        try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        let fileName = Self.fileName(application: application, version: version)
        let output = outputDirectory + "/" + fileName
        let partial = output + ".partial"
        var arguments = [
            "-emit-library", "-parse-as-library",
            "-module-name", Self.moduleName(application: application, version: version),
            "-I", kitDirectory + "/Modules", "-L", kitDirectory, "-lReliveKit",
            "-Xlinker", "-rpath", "-Xlinker", kitDirectory,
            "-Xlinker", "-z", "-Xlinker", "nodelete",
            "-Xlinker", "-soname", "-Xlinker", fileName,
            "-o", partial,
        ]
        if optimize { arguments.insert("-O", at: 0) }
        arguments += sources
        let process = Process()
        process.executableURL = URL(fileURLWithPath: swiftc)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let diagnostics = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            try? FileManager.default.removeItem(atPath: partial)
            throw PluginBuildError.compileFailed(application: application, version: version, output: diagnostics)
        }
        // rename() is atomic: a reader sees the old plugin or the new one, never half.
        if rename(partial, output) != 0 {
            try? FileManager.default.removeItem(atPath: partial)
            throw PluginBuildError.cannotWrite(path: output, errno: errno)
        }
        return output
    }
}

/// Why a plugin could not be built.
public enum PluginBuildError: Error, CustomStringConvertible {
    case kitNotFound(searched: [String])
    case compilerNotFound
    case noSources(application: String, version: String)
    case compileFailed(application: String, version: String, output: String)
    case cannotWrite(path: String, errno: Int32)

    public var description: String {
        switch self {
        case .kitNotFound(let searched):
            "cannot find libReliveKit.so and Modules/ReliveKit.swiftmodule in \(searched.joined(separator: ", ")) (set RELIVE_KIT_DIR)"
        case .compilerNotFound: "cannot find swiftc on PATH (set SWIFTC)"
        case .noSources(let app, let vsn): "\(app)-\(vsn): no Swift sources"
        case .compileFailed(let app, let vsn, let output): "\(app)-\(vsn) does not compile:\n\(output)"
        case .cannotWrite(let path, let code): "cannot write \(path): \(String(cString: strerror(code)))"
        }
    }
}
