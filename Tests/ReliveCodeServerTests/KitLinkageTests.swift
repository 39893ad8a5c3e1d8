import Foundation
import ReliveCodeServer
import ReliveKit
import Testing

/// The foundation the plugins stand on: host and plugin share ONE copy of the
/// kit, so a plugin's object casts to a kit protocol. Two copies would make
/// every such cast fail silently (shared/notes/swift-plugins-on-linux.md).
@Suite struct KitLinkageTests {
    static let pluginSource = """
    import ReliveKit

    final class Descriptor: PluginDescriptor {
        let abiVersion = KitABI.version
        let application = "probe"
        let version = "1.0.0"
        let modules: [PluginModule] = []
    }

    @_cdecl("relive_plugin_descriptor")
    public func reliveDescriptor() -> UnsafeMutableRawPointer {
        Unmanaged.passRetained(Descriptor()).toOpaque()
    }

    @_cdecl("probe_ok_atom_index")
    public func probeOkAtomIndex() -> UInt32 { Atom("ok").index }
    """

    @Test func aPluginCompiledAgainstTheKitCastsToAKitProtocol() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("relive-linkage-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let source = dir + "/Probe.swift"
        try Self.pluginSource.write(toFile: source, atomically: true, encoding: .utf8)

        var builder = try PluginBuilder.locate()
        builder.optimize = false
        let plugin = try builder.build(application: "probe", version: "1.0.0", sources: [source], outputDirectory: dir)

        let library = try DynamicLibrary(path: plugin)
        let descriptor = try library.descriptor()
        #expect(descriptor.abiVersion == KitABI.version)
        #expect(descriptor.application == "probe")
        #expect(descriptor.version == "1.0.0")

        // The plugin's atom table is the host's: same index for the same name.
        let atomIndex = unsafeBitCast(try library.address(of: "probe_ok_atom_index"),
                                      to: (@convention(c) () -> UInt32).self)
        #expect(atomIndex() == Atom("ok").index)

        // Exactly one kit image is mapped into this process.
        // (/proc files report size 0, so read them as a stream.)
        let maps = String(decoding: try #require(FileHandle(forReadingAtPath: "/proc/self/maps")).readDataToEndOfFile(), as: UTF8.self)
        let kitImages = Set(maps.split(separator: "\n").compactMap { line -> Substring? in
            guard let path = line.split(separator: " ", omittingEmptySubsequences: true).last,
                  path.hasSuffix("/libReliveKit.so") else { return nil }
            return path
        })
        #expect(kitImages.count == 1, "kit images mapped: \(kitImages)")

        // Both the test binary and the plugin NEED the shared kit; the test
        // binary defines none of the kit's symbols itself.
        #expect(try Self.readelfNeeded(plugin).contains("libReliveKit.so"))
        #expect(try Self.readelfNeeded(CommandLine.arguments[0]).contains("libReliveKit.so"))
        // The nominal type descriptors of the kit's types (`…Mn`) are defined
        // only by the module that defines the type: the kit library, never
        // the test binary (extensions in other modules mangle differently).
        let descriptors: Set<Substring> = ["$s9ReliveKit4TermOMn", "$s9ReliveKit4AtomVMn", "$s9ReliveKit3PidVMn"]
        let definedInTests = try Self.run("/usr/bin/nm", ["--defined-only", CommandLine.arguments[0]])
            .split(separator: "\n").compactMap { $0.split(separator: " ").last }.filter { descriptors.contains($0) }
        #expect(definedInTests.isEmpty, "the test binary carries its own copy of the kit: \(definedInTests)")
        let kitPath = try #require(kitImages.first)
        let definedInKit = try Self.run("/usr/bin/nm", ["-D", "--defined-only", String(kitPath)])
            .split(separator: "\n").compactMap { $0.split(separator: " ").last }.filter { descriptors.contains($0) }
        #expect(Set(definedInKit) == descriptors, "the kit library defines its types")
    }

    static func readelfNeeded(_ path: String) throws -> [String] {
        try run("/usr/bin/readelf", ["-d", path]).split(separator: "\n").compactMap { line in
            guard line.contains("(NEEDED)"), let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") else { return nil }
            return String(line[line.index(after: open)..<close])
        }
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
