import Foundation
import ReliveRuntime
import Testing

/// The installed-scheduler path: with the node scheduler as the default
/// executor, processes run without a task executor preference. A test binary
/// cannot install it (tasks run before its code), so this suite runs the
/// `relive-scheduler-check` executable (built beside the tests by
/// `swift build --build-tests`), which installs it first thing and runs the
/// runtime checks; every other suite covers the preference path.
@Suite struct InstalledSchedulerTests {
    /// The executable next to this test binary.
    static func checkExecutable() -> URL? {
        guard let me = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        var dir = URL(fileURLWithPath: me).deletingLastPathComponent()
        // Inside an .xctest bundle directory on some layouts.
        if dir.pathExtension == "xctest" { dir = dir.deletingLastPathComponent() }
        let url = dir.appendingPathComponent("relive-scheduler-check")
        return FileManager.default.isExecutableFile(atPath: url.path) ? url : nil
    }

    /// Every check passes (malloc is mimalloc's, ping-pong, links and exits, timers and
    /// `Task.sleep`, gen_server calls and casts, fan-out with actors,
    /// quiescence seen from `main`, a second node), and none of them is skipped.
    @Test func runtimeChecksPassWithTheSchedulerAsDefaultExecutor() throws {
        let exe = try #require(Self.checkExecutable(), "relive-scheduler-check not built: run swift build --build-tests")
        let process = Process()
        process.executableURL = exe
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = output.split(separator: "\n").map(String.init)
        #expect(process.terminationStatus == 0, "\(output)")
        for name in ["allocator", "no-preference", "ping-pong", "links-and-exits", "timers-and-sleep", "gen-server",
                     "fan-out-and-actors", "quiescent", "second-node"] {
            #expect(lines.contains("ok \(name)"), "check \(name): \(output)")
        }
        #expect(lines.last == "installed-path: 9 checks, 0 failed", "\(output)")
    }

    /// The test binaries' own path: nothing is installed, and every process
    /// runs with its node's scheduler as task executor preference.
    @Test func testBinariesRunThePreferencePath() async throws {
        let node = makeNode()
        defer { node.shutdown() }
        #expect(!node.runsOnDefaultExecutor)
        let hasPreference = try await node.run { _ in withUnsafeCurrentTask { $0?.unownedTaskExecutor != nil } }
        #expect(hasPreference == (node.schedulerThreads > 0))
    }
}
