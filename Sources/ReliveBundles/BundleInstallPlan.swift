import Glibc
import CArchiveShim

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
            let staged = try FileSystem.hashFile(at: "\(stagingPath)/\(child)")
            let installed = try FileSystem.hashFile(at: destination)
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
    /// New paths are moved with RENAME_NOREPLACE, so something appearing in
    /// the root since planning is never overwritten.
    func execute(stagingPath: String, root: String) throws {
        var done: [Move] = []
        let backup = "\(stagingPath)/.replaced"
        do {
            for move in moves {
                let from = "\(stagingPath)/\(move.path)"
                let to = "\(root)/\(move.path)"
                if move.replaces {
                    let aside = "\(backup)/\(move.path)"
                    try makeParents(of: aside)
                    guard rename(to, aside) == 0 else { throw SystemError.io("move aside", to) }
                }
                guard relive_rename_noreplace(AT_FDCWD, from, AT_FDCWD, to) == 0 else {
                    let error = SystemError.io("move into place", to)
                    if move.replaces { rename("\(backup)/\(move.path)", to) }
                    throw error
                }
                done.append(move)
            }
        } catch {
            for move in done.reversed() {
                let to = "\(root)/\(move.path)"
                rename(to, "\(stagingPath)/\(move.path)")
                if move.replaces { rename("\(backup)/\(move.path)", to) }
            }
            throw error
        }
    }

    private func makeParents(of path: String) throws {
        let parent = FileSystem.parentDirectory(of: path)
        if (try FileSystem.linkStatus(parent)) != nil { return }
        try makeParents(of: parent)
        guard mkdir(parent, 0o700) == 0 || errno == EEXIST else { throw SystemError.io("mkdir", parent) }
    }
}
