// The live-upgrade demo (the README's main job): the example key-value
// store built as four signed release bundles, booted under the watchdog,
// upgraded, rolled back and killed under a checked client load, with the
// real `relive` tool. Exit 0 only when every check held.
import ArgumentParser
import Foundation

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relive-demo",
        abstract: "Upgrade, roll back and kill a live node under client load, with the real tool.")

    @Option(help: "Client connections kept busy for the whole demo.") var connections = 50
    @Option(help: "The example system's port (its sys.config says 7070).") var port: UInt16 = 7070
    @Option(help: "The work folder (default: a new one under /tmp).") var work: String?
    @Flag(help: "Keep the work folder (bundles, install root, node log).") var keep = false

    func validate() throws {
        guard (1...500).contains(connections) else { throw ValidationError("--connections must be between 1 and 500") }
    }

    func run() throws {
        let folder: String
        if let work {
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            folder = work
        } else {
            var template = Array("/tmp/relive-demo-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { throw DemoError("mkdtemp: \(String(cString: strerror(errno)))") }
            folder = String(cString: made)
        }
        let demo = Demo(repository: FileManager.default.currentDirectoryPath, work: folder, connections: connections, port: port)
        let passed: Bool
        do { passed = try demo.run() } catch {
            print("relive-demo: \(error)")
            print("relive-demo: the node's log is \(folder)/root/log/node.log")
            _ = try? Tool.beside(directory: folder).run(["node", "stop", "--root", folder + "/root"])
            throw ExitCode(1)
        }
        if keep || !passed { print("work folder kept: \(folder)") } else { try? FileManager.default.removeItem(atPath: folder) }
        if !passed { throw ExitCode(1) }
    }
}

DemoCommand.main()
