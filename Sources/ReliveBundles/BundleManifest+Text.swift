/// The manifest's text form.
///
/// ```
/// relive-bundle-manifest 1
/// release <name> <vsn>
/// <sha256>  <size>  <mode>  <path>
/// ...
/// ```
/// ASCII, LF line ends, a final LF; fields separated by two spaces; `sha256`
/// is 64 lowercase hex digits, `size` a decimal byte count without leading
/// zeros, `mode` `0644` or `0755`; one line per file, sorted by path in byte
/// order. Nothing else is accepted: one manifest has exactly one spelling,
/// so its signature has exactly one meaning.
extension BundleManifest {
    /// Renders the manifest; the same manifest always gives the same bytes.
    public func render() -> [UInt8] {
        var text = "\(Self.formatLine)\nrelease \(releaseName) \(releaseVersion)\n"
        for entry in entries {
            text += "\(entry.sha256)  \(entry.size)  \(entry.isExecutable ? "0755" : "0644")  \(entry.path)\n"
        }
        return Array(text.utf8)
    }

    /// Parses manifest bytes from an untrusted bundle.
    /// - Throws: ``BundleError`` (refused) naming the line and what is wrong.
    public init(parsing bytes: [UInt8]) throws {
        func fail(_ line: Int, _ message: String) -> BundleError {
            .refused(Self.path, "line \(line): \(message)")
        }
        guard bytes.last == UInt8(ascii: "\n") else { throw fail(0, "does not end with a newline") }
        if let bad = bytes.firstIndex(where: { ($0 < 0x20 || $0 > 0x7e) && $0 != UInt8(ascii: "\n") }) {
            throw BundleError.refused(Self.path, "byte 0x\(String(bytes[bad], radix: 16)) at offset \(bad) is not printable ASCII")
        }
        let lines = bytes.dropLast().split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard lines.count >= 2 else { throw fail(lines.count + 1, "missing header lines") }
        guard lines[0] == Self.formatLine else {
            throw fail(1, "expected '\(Self.formatLine)'")
        }
        let release = lines[1].split(separator: " ", omittingEmptySubsequences: false)
        guard release.count == 3, release[0] == "release" else {
            throw fail(2, "expected 'release <name> <version>'")
        }
        var entries: [BundleManifestEntry] = []
        var previous: String?
        for (index, line) in lines.enumerated().dropFirst(2) {
            let number = index + 1
            // Fields are separated by exactly two spaces and contain none.
            let parts = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 7, parts[1].isEmpty, parts[3].isEmpty, parts[5].isEmpty,
                  !parts[0].isEmpty, !parts[2].isEmpty, !parts[4].isEmpty, !parts[6].isEmpty
            else { throw fail(number, "expected '<sha256>  <size>  <mode>  <path>'") }
            let (digest, sizeText, mode, path) = (parts[0], parts[2], parts[4], parts[6])
            guard digest.utf8.count == 64, digest.utf8.allSatisfy(Self.isLowercaseHex) else {
                throw fail(number, "sha256 is not 64 lowercase hex digits")
            }
            guard let size = Self.parseSize(sizeText) else { throw fail(number, "size '\(sizeText)' is not a canonical decimal byte count") }
            guard mode == "0644" || mode == "0755" else { throw fail(number, "mode '\(mode)' is neither 0644 nor 0755") }
            if let previous, !previous.utf8.lexicographicallyPrecedes(path.utf8) {
                throw fail(number, "'\(path)' is out of order or duplicated (paths must be strictly sorted)")
            }
            previous = path
            entries.append(BundleManifestEntry(path: path, size: size, sha256: digest, isExecutable: mode == "0755"))
        }
        try self.init(
            releaseName: String(release[1]), releaseVersion: String(release[2]), entries: entries, kind: .refused
        )
    }

    private static func isLowercaseHex(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
    }

    /// Parses a canonical decimal size: digits only, no leading zero, fits in Int64.
    private static func parseSize(_ text: String) -> Int64? {
        guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        if text.utf8.count > 1 && text.utf8.first == UInt8(ascii: "0") { return nil }
        return Int64(text)
    }
}
