import Foundation
import ReliveKit

/// The application versions the compiler may use, found by name and version.
///
/// Built from directories (each holding `Name.app` and `Name.appup`, as OTP's
/// `lib/Name-Vsn/ebin` does) or from values. When two directories hold the same
/// name and version, the first one given wins, as on OTP's code path.
public struct ApplicationCatalog: Sendable {
    private var versions: [Atom: [ApplicationVersion]] = [:]

    public init(_ versions: [ApplicationVersion] = []) {
        for v in versions { add(v) }
    }

    /// Adds a version unless one with the same name and vsn is already there.
    public mutating func add(_ version: ApplicationVersion) {
        let list = versions[version.spec.name, default: []]
        guard !list.contains(where: { $0.spec.vsn == version.spec.vsn }) else { return }
        versions[version.spec.name] = list + [version]
    }

    /// The version `vsn` of `name`.
    public func lookup(_ name: Atom, vsn: String) -> ApplicationVersion? {
        versions[name]?.first { $0.spec.vsn == vsn }
    }

    /// The versions of `name` found (for error messages).
    public func versions(of name: Atom) -> [String] {
        versions[name]?.map(\.spec.vsn) ?? []
    }

    /// Reads every `*.app` file in `directories` (not recursively; a directory
    /// that has an `ebin` subdirectory is read there too).
    ///
    /// - Throws: ``TermFileError`` or ``ModelError`` for a `.app` file that does
    ///   not read, ``RelupError`` (`file_problem`) for a directory that cannot be listed.
    public static func load(directories: [String]) throws -> ApplicationCatalog {
        var catalog = ApplicationCatalog()
        let fm = FileManager.default
        for dir in directories {
            var dirs = [dir]
            var isDir: ObjCBool = false
            let ebin = (dir as NSString).appendingPathComponent("ebin")
            if fm.fileExists(atPath: ebin, isDirectory: &isDir), isDir.boolValue { dirs.append(ebin) }
            for d in dirs {
                guard let names = try? fm.contentsOfDirectory(atPath: d) else {
                    throw RelupError("file_problem", .string(d), message: "cannot list directory \(d)")
                }
                for name in names.sorted() where name.hasSuffix(".app") {
                    let path = (d as NSString).appendingPathComponent(name)
                    let spec = try ApplicationResource.read(path: path)
                    let appupPath = (d as NSString).appendingPathComponent(spec.name.name + ".appup")
                    catalog.add(ApplicationVersion(spec: spec, file: path,
                                                   appupFile: fm.fileExists(atPath: appupPath) ? appupPath : nil))
                }
            }
        }
        return catalog
    }
}
