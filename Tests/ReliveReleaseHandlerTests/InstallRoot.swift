import Foundation
import ReliveKit
import ReliveReleases
import ReliveTestSupport

/// A hand-made install root for the tx release: `lib/txapp-<vsn>/` with the
/// real plugin and its `.app`, `releases/<vsn>/txrel.rel`, and 2.0.0's relup
/// (up from and down to 1.0.0, as the relup compiler writes them).
enum InstallRoot {
    static func make(extra: Term = []) async throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("relive-root-\(UUID().uuidString)").path
        let fm = FileManager.default
        for vsn in ["1.0.0", "2.0.0"] {
            let lib = "\(root)/lib/txapp-\(vsn)"
            try fm.createDirectory(atPath: lib + "/ebin", withIntermediateDirectories: true)
            try fm.copyItem(atPath: try await PluginFixtures.shared.txServer(vsn), toPath: "\(lib)/txapp-\(vsn).so")
            let app = ApplicationResource(name: "txapp", vsn: vsn, description: "tx", modules: ["tx_server"])
            try TermFile.write([app.term], to: "\(lib)/ebin/txapp.app")
            try fm.createDirectory(atPath: "\(root)/releases/\(vsn)", withIntermediateDirectories: true)
            let rel = ReleaseSpec(name: "txrel", vsn: vsn, runtimeVsn: "1", applications: [.init(name: "txapp", vsn: vsn)])
            try TermFile.write([rel.term], to: "\(root)/releases/\(vsn)/txrel.rel")
        }
        let m: Term = .atom("tx_server")
        let loadObject: (String) -> Term = { .tuple([.atom("load_object_code"), .tuple([.atom("txapp"), .string($0), .list([m])])]) }
        let up: [Term] = [loadObject("2.0.0"), .atom("point_of_no_return"), .tuple([.atom("suspend"), .list([m])]),
                          .tuple([.atom("load"), .tuple([m, .atom("brutal_purge"), .atom("brutal_purge")])]),
                          .tuple([.atom("code_change"), .atom("up"), .list([.tuple([m, extra])])]),
                          .tuple([.atom("resume"), .list([m])])]
        let down: [Term] = [loadObject("1.0.0"), .atom("point_of_no_return"), .tuple([.atom("suspend"), .list([m])]),
                            .tuple([.atom("code_change"), .atom("down"), .list([.tuple([m, .list([])])])]),
                            .tuple([.atom("load"), .tuple([m, .atom("brutal_purge"), .atom("brutal_purge")])]),
                            .tuple([.atom("resume"), .list([m])])]
        try Relup(vsn: "2.0.0", up: [.init(vsn: "1.0.0", instructions: up)], down: [.init(vsn: "1.0.0", instructions: down)])
            .write(to: "\(root)/releases/2.0.0/relup")
        return root
    }
}
