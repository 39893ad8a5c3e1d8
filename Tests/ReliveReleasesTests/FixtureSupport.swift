import Foundation
import ReliveKit
@testable import ReliveReleases

/// Access to the committed fixtures and the comparison rules of the parity tests.
enum FixtureSupport {
    /// The `Fixtures` resource directory of the test bundle.
    static var root: String {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { return "Fixtures" }
        return url.path
    }

    static var relupRoot: String { root + "/relup" }

    /// The `relive` executable built next to the tests, if it is there.
    static var reliveExecutable: String? {
        let dir = (Bundle.module.bundlePath as NSString).deletingLastPathComponent
        let path = dir + "/relive"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// Every relup parity case (a directory with `new.rel`).
    static var relupCases: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: relupRoot)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: relupRoot + "/" + $0 + "/new.rel") }.sorted()
    }

    /// The path directories of a case, in the order tools/regen-relup-fixtures gives them to systools.
    static func pathDirectories(_ caseDir: String) -> [String] {
        let fm = FileManager.default
        let apps = ((try? fm.contentsOfDirectory(atPath: caseDir + "/apps")) ?? []).sorted().map { caseDir + "/apps/" + $0 }
        let base = ((try? fm.contentsOfDirectory(atPath: relupRoot + "/_base")) ?? []).sorted().map { relupRoot + "/_base/" + $0 }
        return apps + base
    }

    /// The old releases of a case (`old*.rel`, sorted).
    static func oldReleases(_ caseDir: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: caseDir)) ?? []
        return names.filter { $0.hasPrefix("old") && $0.hasSuffix(".rel") }.sorted().map { caseDir + "/" + $0 }
    }

    /// Erlang has no string type: OTP prints a list of character codes as
    /// `"..."` and `""` as `[]`. Both sides are compared after turning every
    /// non-empty list of character codes into `.string` and `.string("")` into `[]`.
    static func normalize(_ t: Term) -> Term {
        switch t {
        case .string(""): return .list([])
        case .list(let e):
            if !e.isEmpty, let s = t.erlangString, e.allSatisfy({ $0.intValue != nil }) { return .string(s) }
            return .list(e.map(normalize))
        case .tuple(let e): return .tuple(e.map(normalize))
        default: return t
        }
    }

    /// Compiles a case with Relive's compiler.
    static func compile(_ caseDir: String, strict: Bool = false) throws -> RelupCompiler.Output {
        let catalog = try ApplicationCatalog.load(directories: pathDirectories(caseDir))
        let newRel = try ReleaseSpec.read(path: caseDir + "/new.rel")
        let olds = try oldReleases(caseDir).map { RelupCompiler.Input(release: try ReleaseSpec.read(path: $0), file: $0) }
        let compiler = RelupCompiler(catalog: catalog, options: .init(strict: strict))
        return try compiler.compile(to: .init(release: newRel, file: caseDir + "/new.rel"), upFrom: olds, downTo: olds)
    }
}
