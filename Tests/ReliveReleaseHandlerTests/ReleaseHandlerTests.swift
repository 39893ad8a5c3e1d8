import Foundation
import ReliveCodeServer
import ReliveKit
import ReliveReleaseHandler
import ReliveReleases
import ReliveRuntime
@_spi(Testing) import ReliveSystem
import Testing

@Suite(.serialized) struct ReleaseHandlerTests {
    typealias T = UpgradeTransactionTests

    /// A node running txrel 1.0.0 from `root` (its plugin loaded from the root), `count` servers.
    static func start(_ root: String, _ node: Node, _ p: LocalProcess) async throws -> (ReleaseHandler, CodeServer, [Pid]) {
        let code = CodeServer(node: node)
        try code.load(pluginAt: "\(root)/lib/txapp-1.0.0/txapp-1.0.0.so")
        var pids: [Pid] = []
        for n in 0..<T.count {
            pids.append(try #require(try await GenServer.start("tx_server", args: .int(n), link: false, from: p).pid))
        }
        let handler = try ReleaseHandler(node: node, code: code, configuration: .init(root: root))
        try handler.adoptInitialRelease("1.0.0")
        try handler.recordUnpacked("2.0.0")
        return (handler, code, pids)
    }

    static func statuses(_ root: String) throws -> [String: ReleaseStatus] {
        Dictionary(uniqueKeysWithValues: try ReleasesFile.read(path: root + "/releases/RELEASES").releases.map { ($0.vsn, $0.status) })
    }

    static func world(_ code: CodeServer, _ node: Node, _ pids: [Pid]) -> T.World {
        T.World(node: node, code: code, pids: pids, v2: code.plugins[0])
    }

    @Test func installMakePermanentAndDowngradeThroughTheDownScript() async throws {
        let root = try await InstallRoot.make()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let node = Node(name: "rh0@test")
        defer { node.shutdown() }
        try await node.run { p in
            let (handler, code, pids) = try await Self.start(root, node, p)
            #expect(try Self.statuses(root) == ["1.0.0": .permanent, "2.0.0": .unpacked])
            #expect(try handler.store.readBootFile()?.vsn == "1.0.0")

            let up = try await handler.install("2.0.0", from: p)
            #expect(!up.downgrade && up.evaluation.processes == T.count)
            try await T.expectAll(Self.world(code, node, pids), on: "2.0.0", p)
            #expect(try Self.statuses(root) == ["1.0.0": .permanent, "2.0.0": .current])

            try handler.makePermanent("2.0.0")
            #expect(try Self.statuses(root) == ["1.0.0": .old, "2.0.0": .permanent])
            #expect(try handler.store.readBootFile()?.vsn == "2.0.0")

            let down = try await handler.install("1.0.0", from: p)
            #expect(down.downgrade)
            try await T.expectAll(Self.world(code, node, pids), on: "1.0.0", p)
            #expect(try Self.statuses(root) == ["1.0.0": .current, "2.0.0": .permanent])
            #expect(handler.whichReleases().map(\.vsn) == ["1.0.0", "2.0.0"])
        }
    }

    @Test func aFailedInstallLeavesTheNodeAndRELEASESOnTheOldRelease() async throws {
        let root = try await InstallRoot.make(extra: [.tuple([.atom("throw"), .int(T.victim)])])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let node = Node(name: "rh1@test")
        defer { node.shutdown() }
        try await node.run { p in
            let (handler, code, pids) = try await Self.start(root, node, p)
            let before = try String(contentsOfFile: root + "/releases/RELEASES", encoding: .utf8)
            let error = await #expect(throws: ReleaseHandlerError.self) { try await handler.install("2.0.0", from: p) }
            #expect(error?.kind == "code_change_failed")
            #expect(try String(contentsOfFile: root + "/releases/RELEASES", encoding: .utf8) == before)
            #expect(handler.running?.vsn == "1.0.0")
            try await T.expectAll(Self.world(code, node, pids), on: "1.0.0", p)
        }
    }

    /// A release on another host whose script does not begin with
    /// restart_new_emulator (this relup was compiled for the same host) is
    /// refused before anything runs, both hosts named.
    @Test func aReleaseForAnotherHostIsRefusedBeforeAnythingRuns() async throws {
        let root = try await InstallRoot.make()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let rel = ReleaseSpec(name: "txrel", vsn: "2.0.0", runtimeVsn: "2", applications: [.init(name: "txapp", vsn: "2.0.0")])
        try TermFile.write([rel.term], to: "\(root)/releases/2.0.0/txrel.rel")
        let node = Node(name: "rh5@test")
        defer { node.shutdown() }
        try await node.run { p in
            let (handler, code, pids) = try await Self.start(root, node, p)
            let error = await #expect(throws: ReleaseHandlerError.self) { try await handler.install("2.0.0", from: p) }
            #expect(error?.kind == "bad_script")
            #expect(error?.message.contains("host 2, the running release 1.0.0 on 1") == true, "\(String(describing: error))")
            #expect(try Self.statuses(root) == ["1.0.0": .permanent, "2.0.0": .unpacked])
            #expect(code.plugins.count == 1)
            try await T.expectAll(Self.world(code, node, pids), on: "1.0.0", p)
        }
    }

    @Test func aFailedWriteOfRELEASESChangesNoState() async throws {
        let root = try await InstallRoot.make()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let node = Node(name: "rh2@test")
        defer { node.shutdown() }
        try await node.run { p in
            let (handler, code, _) = try await Self.start(root, node, p)
            _ = try await handler.install("2.0.0", from: p)
            let before = handler.whichReleases()
            // make_permanent writes the boot file, then RELEASES: fail the RELEASES rename.
            let error = #expect(throws: ReleaseHandlerError.self) {
                try SystemFaults.with(SystemFault(operation: "rename", pathContains: "RELEASES", errno: ENOSPC)) {
                    try handler.makePermanent("2.0.0")
                }
            }
            #expect(error?.kind == "write_failed")
            #expect(error?.message.contains("No space left on device") == true)
            #expect(handler.whichReleases() == before)
            #expect(try Self.statuses(root) == ["1.0.0": .permanent, "2.0.0": .current])
            #expect(try handler.store.readBootFile()?.vsn == "1.0.0")   // put back
            #expect(!(try FileManager.default.contentsOfDirectory(atPath: root + "/releases")).contains { $0.contains(".tmp") })
            // The next attempt goes through.
            try handler.makePermanent("2.0.0")
            #expect(try Self.statuses(root) == ["1.0.0": .old, "2.0.0": .permanent])
            #expect(try handler.store.readBootFile()?.vsn == "2.0.0")
        }
    }

    @Test func releaseStatesFollowOTP() throws {
        func release(_ vsn: String) -> ReleasesFile.Release {
            ReleasesFile.Release(name: "r", vsn: vsn, runtimeVsn: "1", applications: [.init(name: "a", vsn: vsn, dir: "/lib/a-\(vsn)")], status: .unpacked)
        }
        var s = ReleaseStates()
        _ = try s.handle(.unpacked(release("1")))
        _ = try s.handle(.installed("1"))
        #expect(try s.handle(.madePermanent("1")).first == .writeBootFile(name: "r", vsn: "1", host: "1"))
        _ = try s.handle(.unpacked(release("2")))
        _ = try s.handle(.unpacked(release("2")))   // a leftover unpacked release does not block
        #expect(throws: ReleaseHandlerError.self) { try s.handle(.madePermanent("2")) }   // not current
        _ = try s.handle(.installed("2"))
        #expect(s.running?.vsn == "2")
        #expect(throws: ReleaseHandlerError.self) { try s.handle(.removed("2")) }   // current
        _ = try s.handle(.madePermanent("2"))
        #expect(s.file.releases.map(\.status) == [.old, .permanent])
        #expect(throws: ReleaseHandlerError.self) { try s.handle(.unpacked(release("2"))) }   // existing_release
        #expect(throws: ReleaseHandlerError.self) { try s.handle(.removed("2")) }   // permanent
        let reboot = try s.handle(.rebootOld("1"))
        #expect(reboot.first == .writeBootFile(name: "r", vsn: "1", host: "1") && reboot.last == .restartNode)
        #expect(s.file.releases.map(\.status) == [.permanent, .old])
        let removal = try s.handle(.removed("2"))
        #expect(removal.first == .removeFiles(vsn: "2", applicationDirectories: ["/lib/a-2"]))
        #expect(s.file.releases.map(\.vsn) == ["1"])
    }

    /// A trial boot (a release on another host) makes the release current and
    /// leaves the permanent one alone, so a restart boots the permanent again;
    /// made permanent, the boot file names the new release's host.
    @Test func trialBootKeepsThePermanentRelease() throws {
        func release(_ vsn: String, host: String) -> ReleasesFile.Release {
            ReleasesFile.Release(name: "r", vsn: vsn, runtimeVsn: host, applications: [], status: .unpacked)
        }
        var s = ReleaseStates()
        _ = try s.handle(.unpacked(release("1", host: "relive-0.1.0")))
        _ = try s.handle(.installed("1"))
        _ = try s.handle(.madePermanent("1"))
        _ = try s.handle(.unpacked(release("2", host: "relive-0.2.0")))
        let trial = try s.handle(.trialBooted("2"))
        #expect(trial == [.writeReleases(s.file)])   // RELEASES only: the boot file still names 1
        #expect(s.file.releases.map(\.status) == [.permanent, .current])
        #expect(throws: ReleaseHandlerError.self) { try s.handle(.trialBooted("1")) }   // permanent: boots normally
        #expect(try s.handle(.madePermanent("2")).first == .writeBootFile(name: "r", vsn: "2", host: "relive-0.2.0"))
        #expect(s.file.releases.map(\.status) == [.old, .permanent])
        // A failed trial: the permanent release booted again, the tried one unpacked.
        _ = try s.handle(.unpacked(release("3", host: "relive-0.3.0")))
        _ = try s.handle(.trialBooted("3"))
        _ = try s.handle(.booted("2"))
        #expect(s.file.releases.map(\.status) == [.old, .permanent, .unpacked])
    }
}
