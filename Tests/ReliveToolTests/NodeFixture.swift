import Foundation
import Glibc

/// Bundles of the test release, built once per test run with the real tool,
/// and install roots made from them.
actor NodeFixture {
    static let shared = NodeFixture()

    private var project: TestProject?
    private var bundles: [String: String] = [:]

    /// The releases each test release's relup starts from.
    static let upfrom = ["1": [], "2": ["1"], "3": ["2", "1"], "4": ["2"], "5": ["2"], "6": ["2"]]
    /// The host folder each release on another host carries (`--host`).
    static let hosts = ["5": "hosts/relive-0.2.0", "6": "hosts/relive-0.3.0"]

    /// The project, with a signing key pair (`key`, `key.pub`).
    private func testProject() throws -> TestProject {
        if let project { return project }
        let project = try TestProject.write()
        let keys = try Tool.run(["bundle", "keygen", "--secret-key", "key", "--public-key", "key.pub"], in: project.root)
        guard keys.status == 0 else { throw FixtureError("keygen failed: \(keys.stderr)") }
        self.project = project
        return project
    }

    /// The public key the bundles are signed with.
    func publicKey() throws -> String { try testProject().root + "/key.pub" }

    /// The signed bundle of `tiny_rel` version `n` ("1" to "6"), relups from ``upfrom``,
    /// carrying its host from ``hosts``; `signed: false` for an unsigned one,
    /// `host: false` for one without its host.
    func bundle(_ n: String, signed: Bool = true, host: Bool = true) throws -> String {
        let name = n + (signed ? "" : "-unsigned") + (host ? "" : "-nohost")
        if let path = bundles[name] { return path }
        let project = try testProject()
        let older = (Self.upfrom[n] ?? []).flatMap { ["--upfrom", "releases/tiny_rel-\($0).rel"] }
        let hostFolder = host ? Self.hosts[n].map { ["--host", $0] } ?? [] : []
        let out = project.root + "/out/tiny_rel-\(name).tar.gz"
        let built = try project.build(["releases/tiny_rel-\(n).rel"] + older + hostFolder + (signed ? ["--sign", "key"] : []) + ["-o", out])
        guard built.status == 0 else { throw FixtureError("release build failed: \(built.stderr)") }
        bundles[name] = out
        return out
    }

    /// A new install root (a short path: the socket path must fit sun_path) from bundle `n`.
    /// The root trusts the bundles' key.
    func root(from n: String) throws -> String {
        let bundle = try bundle(n)
        let root = "/tmp/rl-\(getpid())-\(UUID().uuidString.prefix(6))"
        let made = try Tool.run(["node", "init", bundle, "--root", root, "--public-key", try publicKey()])
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
