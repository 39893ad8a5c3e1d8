import Glibc
import ReliveSystem

/// How staged content moves into an install root: which paths are renamed
/// in, which existing ones are left alone, and what clashes.
///
/// Rules, walking the staged tree top-down:
/// - a path that does not exist in the root is moved in whole (one rename,
///   however big the subtree);
/// - a directory that exists as a directory is descended into;
/// - a file that exists with identical content is left alone (so unpacking
///   the same bundle twice succeeds and changes nothing);
/// - `releases/<name>.rel` (the release's top-level `.rel`, which every
///   version of a release carries) is replaced atomically;
/// - anything else that exists — a different file, a file where a directory
///   goes or the other way round, a symbolic link — is a clash, and the whole
///   unpack is refused before anything moves.
struct BundleInstallPlan {
    /// One rename from the staging directory into the root.
    struct Move {
        let path: String
        /// Whether an existing file is replaced (kept aside until success).
        let replaces: Bool
    }

    private(set) var moves: [Move] = []

    /// Plans the install of `stagedFiles` (with their directories) into `root`.
    /// - Throws: ``BundleError`` (refused) naming the first clash.
    init(stagedFiles: [String], stagingPath: String, root: String, replaceable: Set<String>) throws {
        var children: [String: Set<String>] = [:]
        var directories = Set<String>()
        for file in stagedFiles {
            var parent = ""
            for ancestor in BundlePath.ancestors(of: file) {
                children[parent, default: []].insert(ancestor)
                directories.insert(ancestor)
                parent = ancestor
            }
            children[parent, default: []].insert(file)
        }
        try plan(
            "", children: children, directories: directories, stagingPath: stagingPath, root: root, replaceable: replaceable
        )
    }

    private mutating func plan(
        _ directory: String, children: [String: Set<String>], directories: Set<String>,
        stagingPath: String, root: String, replaceable: Set<String>
    ) throws {
        let sorted = (children[directory] ?? []).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for child in sorted {
            let destination = "\(root)/\(child)"
            guard let existing = try FileSystem.linkStatus(destination) else {
                moves.append(Move(path: child, replaces: false))
                continue
            }
            if directories.contains(child) {
                guard FileSystem.isDirectory(existing) else {
                    throw BundleError.refused(child, "clashes with \(destination), which exists and is not a directory")
                }
                try plan(child, children: children, directories: directories, stagingPath: stagingPath, root: root, replaceable: replaceable)
                continue
            }
            guard FileSystem.isRegularFile(existing) else {
                throw BundleError.refused(child, "clashes with \(destination), which exists and is not a regular file")
            }
            // Neither file may be a link or a FIFO by now: refuse rather than follow or hang.
            let staged = try FileSystem.hashFile(at: "\(stagingPath)/\(child)", flags: O_NOFOLLOW | O_NONBLOCK)
            let installed = try FileSystem.hashFile(at: destination, flags: O_NOFOLLOW | O_NONBLOCK)
            if staged == installed { continue }
            guard replaceable.contains(child) else {
                throw BundleError.refused(child, "already installed at \(destination) with different content")
            }
            moves.append(Move(path: child, replaces: true))
        }
    }

    /// Performs the moves. On a failure, moves back what was moved and puts
    /// replaced files back, then throws; the root is as it was.
    ///
    /// Every move is a rename of a name between opened directories, reached
    /// from `staging` and `root` one component at a time with `O_NOFOLLOW`:
    /// a directory of the root swapped for a symbolic link since planning is
    /// refused (`ELOOP`), never followed. New paths are moved with
    /// `RENAME_NOREPLACE`, so something appearing in the root since planning
    /// is never overwritten.
    /// - Throws: ``SystemError`` naming the failed call and path.
    func execute(staging: OpenFile, root: OpenFile) throws {
        var done: [Move] = []
        do {
            for move in moves {
                let (parent, name) = Self.split(move.path)
                let from = try staging.openDirectoryAt(parent)
                let to = try root.openDirectoryAt(parent)
                var aside: OpenFile?
                if move.replaces {
                    let backup = try staging.openDirectoryAt(Self.backup + "/" + parent, creating: 0o700)
                    try OpenFile.rename(name, in: to, to: name, in: backup)
                    aside = backup
                }
                do {
                    try OpenFile.renameNoReplace(name, in: from, to: name, in: to)
                } catch {
                    if let aside { try? OpenFile.rename(name, in: aside, to: name, in: to) }
                    throw error
                }
                done.append(move)
            }
        } catch {
            // Best effort, by the same descriptor-relative walk: the error
            // that stopped the install is what the caller must see.
            for move in done.reversed() {
                let (parent, name) = Self.split(move.path)
                guard let from = try? staging.openDirectoryAt(parent), let to = try? root.openDirectoryAt(parent) else { continue }
                try? OpenFile.rename(name, in: to, to: name, in: from)
                if move.replaces, let aside = try? staging.openDirectoryAt(Self.backup + "/" + parent) {
                    try? OpenFile.rename(name, in: aside, to: name, in: to)
                }
            }
            throw error
        }
    }

    /// Where replaced files wait in the staging directory until success.
    private static let backup = ".replaced"

    /// `a/b/c` → (`a/b`, `c`); `c` → (``, `c`).
    private static func split(_ path: String) -> (parent: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
    }
}
