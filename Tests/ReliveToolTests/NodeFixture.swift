import Foundation
import Glibc

/// Bundles of the test release, built once per test run with the real tool,
/// and install roots made from them.
actor NodeFixture {
    static let shared = NodeFixture()

    private var project: TestProject?
    private var bundles: [String: String] = [:]

    /// The bundle of `tiny_rel` version `n` ("1", "2", "3"), relups from every older one.
    func bundle(_ n: String) throws -> String {
        if let path = bundles[n] { return path }
        let project = try self.project ?? TestProject.write()
        self.project = project
        let older = ["1", "2", "3"].prefix { $0 != n }.flatMap { ["--upfrom", "releases/tiny_rel-\($0).rel"] }
        let out = project.root + "/out/tiny_rel-\(n).tar.gz"
        let built = try project.build(["releases/tiny_rel-\(n).rel"] + older + ["-o", out])
        guard built.status == 0 else { throw FixtureError("release build failed: \(built.stderr)") }
        bundles[n] = out
        return out
    }

    /// A new install root (a short path: the socket path must fit sun_path) from bundle `n`.
    func root(from n: String) throws -> String {
        let bundle = try bundle(n)
        let root = "/tmp/rl-\(getpid())-\(UUID().uuidString.prefix(6))"
        let made = try Tool.run(["node", "init", bundle, "--root", root])
        guard made.status == 0 else { throw FixtureError("node init failed: \(made.stderr)") }
        return root
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The node's pid once it answers on its socket (a bounded polling loop:
/// each round is one real `relive node status`), skipping `previous`.
func waitForNode(root: String, notPid previous: Int? = nil) throws -> [String: Any] {
    for _ in 0..<300 {
        let status = try Tool.run(["node", "status", "--root", root, "--json"])
        if status.status == 0, let object = try? JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any],
           let pid = object["pid"] as? Int, pid != previous {
            return object
        }
        usleep(100_000)
    }
    throw FixtureError("the node on \(root) never answered")
}

/// Lines of a child's output, read as they come.
final class LineReader: @unchecked Sendable {
    private let handle: FileHandle
    private var buffer = Data()
    private(set) var seen: [String] = []

    init(_ handle: FileHandle) { self.handle = handle }

    /// Reads lines until one contains `text`; returns it. Fails at end of file.
    func line(containing text: String) throws -> String {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                seen.append(line)
                if line.contains(text) { return line }
                continue
            }
            let chunk = handle.availableData
            if chunk.isEmpty { throw FixtureError("end of output before \"\(text)\"; saw: \(seen)") }
            buffer += chunk
        }
    }
}
