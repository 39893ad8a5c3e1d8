import Crypto
import Foundation
import Glibc
@testable import ReliveBundles

/// Everything observable about a directory tree (types, modes, contents,
/// link targets), for "nothing changed" and "exactly this was written" checks.
enum TreeSnapshot {
    /// Maps each path relative to `root` to a description of what is there;
    /// empty when `root` does not exist. Symbolic links are not followed.
    static func take(_ root: String) -> [String: String] {
        var result: [String: String] = [:]
        walk(root, relative: "", into: &result)
        return result
    }

    private static func walk(_ root: String, relative: String, into result: inout [String: String]) {
        let full = relative.isEmpty ? root : "\(root)/\(relative)"
        var info = stat()
        guard lstat(full, &info) == 0 else { return }
        let mode = String(info.st_mode & 0o7777, radix: 8)
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            if !relative.isEmpty { result[relative] = "dir \(mode)" }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: full)) ?? []
            for name in names.sorted() {
                walk(root, relative: relative.isEmpty ? name : "\(relative)/\(name)", into: &result)
            }
        case S_IFREG:
            let data = FileManager.default.contents(atPath: full) ?? Data()
            result[relative] = "file \(mode) \(SHA256.hash(data: data).hexString)"
        case S_IFLNK:
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: full)) ?? "?"
            result[relative] = "link \(target)"
        default:
            result[relative] = "other \(String(info.st_mode, radix: 8))"
        }
    }
}
