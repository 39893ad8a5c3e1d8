import Foundation
import ReliveCodeServer

/// Real plugins for the test suites, built once per test run with the same
/// builder users use: the example system's plugins from `plugins/`, test-only
/// ones from `Tests/PluginSources/`, and
/// plugins made from sources the suites write (each suite extends this type
/// with its own).
public actor PluginFixtures {
    public static let shared = PluginFixtures()

    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    public let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("relive-plugins-\(getpid())").path
    private var built: [String: String] = [:]

    /// The example system's plugin `app` `vsn`, from `plugins/<app>/<vsn>/`.
    public func example(_ app: String, _ vsn: String) throws -> String {
        try build(folder: Self.repositoryRoot + "/plugins/\(app)/\(vsn)", key: "example-\(app)-\(vsn)", app: app, vsn: vsn)
    }

    /// A test-only plugin `app` `vsn`, from `Tests/PluginSources/<app>/<vsn>/`
    /// (the counter the release-handler suites move thousands of).
    public func fixture(_ app: String, _ vsn: String) throws -> String {
        try build(folder: Self.repositoryRoot + "/Tests/PluginSources/\(app)/\(vsn)", key: "fixture-\(app)-\(vsn)", app: app, vsn: vsn)
    }

    private func build(folder: String, key: String, app: String, vsn: String) throws -> String {
        let sources = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.hasSuffix(".swift") }.sorted().map { folder + "/" + $0 }
        return try build(key: key, app: app, vsn: vsn, sources: sources)
    }

    /// A plugin made from `source`, written to a file of its own.
    public func custom(_ key: String, app: String, vsn: String, source: String, outputName: String? = nil) throws -> String {
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
}
