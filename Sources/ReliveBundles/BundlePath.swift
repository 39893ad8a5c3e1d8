/// The rules for a path inside a bundle, shared by the builder (to refuse
/// bad input) and the reader (to refuse unsafe archives).
///
/// A bundle path is relative, `/`-separated, made of non-empty components
/// that are not `.` or `..`, written in printable ASCII without spaces or
/// backslashes, at most 1024 bytes long with components of at most 255, and
/// lives under `lib/`, `releases/` or `hosts/` (a host build a release runs
/// on, OTP's `erts-<vsn>/`). Anything else is refused rather than
/// normalised: an archive that needs normalising was not written by us.
enum BundlePath {
    static let maximumLength = 1024
    static let maximumComponentLength = 255
    /// The top-level directories a bundle may hold (besides its manifest).
    static let topLevelDirectories: Set<String> = ["lib", "releases", "hosts"]

    /// Validates a path and returns it as a string.
    /// - Parameters:
    ///   - bytes: the raw path.
    ///   - isDirectory: directories may carry one trailing `/` (tar writes
    ///     them so) and may be a bare top-level directory.
    ///   - kind: the error kind to throw (refused for archives, invalid
    ///     input for the builder).
    /// - Returns: the path without a trailing `/`.
    /// - Throws: ``BundleError`` naming the path and the broken rule.
    static func validate(_ bytes: [UInt8], isDirectory: Bool, kind: BundleError.Kind) throws -> String {
        let shown = ArchiveEntryHeader.display(bytes)
        func fail(_ message: String) -> BundleError { BundleError(kind, entry: shown, message) }

        var path = bytes[...]
        if isDirectory, path.count > 1, path.last == UInt8(ascii: "/") {
            path = path.dropLast()
        }
        guard !path.isEmpty else { throw fail("empty path") }
        guard path.first != UInt8(ascii: "/") else { throw fail("absolute path (starts with '/')") }
        guard path.count <= maximumLength else { throw fail("path longer than \(maximumLength) bytes") }
        let components = path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        for component in components {
            if component.isEmpty { throw fail("empty path component ('//' or trailing '/')") }
            if component.elementsEqual("..".utf8) { throw fail("'..' component (would escape the install root)") }
            if component.elementsEqual(".".utf8) { throw fail("'.' component") }
            if component.count > maximumComponentLength {
                throw fail("path component longer than \(maximumComponentLength) bytes")
            }
        }
        for byte in path where byte < 0x21 || byte > 0x7e || byte == UInt8(ascii: "\\") {
            throw fail("byte 0x\(String(byte, radix: 16)) not allowed (bundle paths are printable ASCII without spaces or backslashes)")
        }
        let text = String(decoding: path, as: UTF8.self)
        let top = components.first.map { String(decoding: $0, as: UTF8.self) } ?? ""
        guard topLevelDirectories.contains(top) else {
            throw fail("outside lib/, releases/ and hosts/ (the only top-level directories a bundle holds)")
        }
        if components.count == 1 && !isDirectory {
            throw fail("a file cannot replace the top-level directory '\(top)'")
        }
        return text
    }

    /// The ancestor directories of `path`, nearest last (`a/b/c` → `a`, `a/b`).
    static func ancestors(of path: String) -> [String] {
        var result: [String] = []
        var current = ""
        let components = path.split(separator: "/")
        for component in components.dropLast() {
            current = current.isEmpty ? String(component) : current + "/" + component
            result.append(current)
        }
        return result
    }

    /// Validates a release name or version: a single path component of
    /// printable ASCII (it becomes a directory and a file name).
    /// - Parameter entry: the file the name was read from, for the error.
    /// - Throws: ``BundleError`` naming `what` and the broken rule.
    static func validateName(_ name: String, what: String, kind: BundleError.Kind, entry: String? = nil) throws {
        let bytes = Array(name.utf8)
        func fail(_ message: String) -> BundleError { BundleError(kind, entry: entry, "\(what) '\(ArchiveEntryHeader.display(bytes))': \(message)") }
        guard !bytes.isEmpty else { throw fail("empty") }
        guard bytes.count <= 200 else { throw fail("longer than 200 bytes") }
        guard name != "." && name != ".." else { throw fail("not a valid name") }
        for byte in bytes where byte < 0x21 || byte > 0x7e || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "\\") {
            throw fail("byte 0x\(String(byte, radix: 16)) not allowed (printable ASCII without spaces, '/' or '\\')")
        }
    }
}
