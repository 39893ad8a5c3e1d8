import Foundation
import ReliveCodeServer

/// Real plugins, built once per test run with the same builder users use:
/// the example system's counter 1.0.0 and 2.0.0 from `plugins/`, and small
/// bad plugins written here.
actor PluginFixtures {
    static let shared = PluginFixtures()

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("relive-plugins-\(getpid())").path
    private var built: [String: String] = [:]

    /// The example system's plugin `app` `vsn`, from `plugins/<app>/<vsn>/`.
    func example(_ app: String, _ vsn: String) throws -> String {
        let sourceDir = Self.repositoryRoot + "/plugins/\(app)/\(vsn)"
        let sources = try FileManager.default.contentsOfDirectory(atPath: sourceDir)
            .filter { $0.hasSuffix(".swift") }.sorted().map { sourceDir + "/" + $0 }
        return try build(key: "example-\(app)-\(vsn)", app: app, vsn: vsn, sources: sources)
    }

    /// A plugin made from `source`, written to a file of its own.
    func custom(_ key: String, app: String, vsn: String, source: String, outputName: String? = nil) throws -> String {
        let dir = directory + "/src-\(key)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = dir + "/Plugin.swift"
        try source.write(toFile: file, atomically: true, encoding: .utf8)
        let path = try build(key: key, app: app, vsn: vsn, sources: [file])
        guard let outputName else { return path }
        let renamed = directory + "/\(key)/" + outputName
        try FileManager.default.createDirectory(atPath: directory + "/\(key)", withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: renamed) { try FileManager.default.copyItem(atPath: path, toPath: renamed) }
        return renamed
    }

    private func build(key: String, app: String, vsn: String, sources: [String]) throws -> String {
        if let path = built[key] { return path }
        var builder = try PluginBuilder.locate()
        builder.optimize = false
        let path = try builder.build(application: app, version: vsn, sources: sources,
                                     outputDirectory: directory + "/" + key)
        built[key] = path
        return path
    }

    /// A plugin source with one gen_server module, as `app` `vsn`.
    static func genServerPlugin(app: String, vsn: String, module: String, declare: String = "genServer",
                                abi: String = "KitABI.version", entry: String = "relive_plugin_descriptor",
                                reply: String = "\"hello\"") -> String {
        """
        import ReliveKit

        struct Echo: GenServerBehaviour {
            func initialize(_ args: Term, process: any ProcessContext) async throws -> GenServerStart<Term> { .ok(args) }
            func handleCall(_ request: Term, from: CallFrom, state: inout Term,
                            process: any ProcessContext) async throws -> GenServerCallResult {
                if request == .atom("throw") { throw Failure.thrown }
                return .reply(\(reply))
            }
        }
        enum Failure: Error { case thrown }

        struct Sup: SupervisorBehaviour {
            func initialize(_ args: Term) throws -> SupervisorSpec? { SupervisorSpec(children: []) }
        }

        @_cdecl("\(entry)")
        public func reliveDescriptor() -> UnsafeMutableRawPointer {
            let module: PluginModule = "\(declare)" == "genServer"
                ? .genServer("\(module)", Echo())
                : PluginModule(name: "\(module)", kind: .supervisor) { .genServer(Echo()) }
            return Unmanaged.passRetained(Plugin(application: "\(app)", version: "\(vsn)", modules: [module],
                                                 abiVersion: \(abi)) as AnyObject).toOpaque()
        }
        """
    }
}
