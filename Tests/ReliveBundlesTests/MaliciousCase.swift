@testable import ReliveBundles

/// One hand-crafted hostile (or broken) archive and how it must be refused.
enum MaliciousCase: String, CaseIterable, Sendable, CustomStringConvertible {
    case dotDot, dotDotDeep, absolutePath, outsideLayout, controlCharacter
    case symlinkOutside, symlinkInside, hardlinkOutside, hardlinkInside
    case fifo, characterDevice, blockDevice
    case duplicateFile, duplicateDirectory, unlistedFile, missingFile, unneededDirectory
    case manifestNotFirst, noManifest, emptyArchive, manifestTwice, garbledManifest, unsortedManifest
    case hashMismatch, sizeMismatch, modeMismatch
    case bombPromisedByManifest, bombHiddenBehindSmallManifest, compressionBomb

    var description: String { rawValue }

    /// The absolute path the `absolutePath` case aims at.
    static let absoluteTarget = "/tmp/relive-bundles-escape-test.txt"

    static let okPath = "lib/a-1/ok.txt"
    static let okBytes = Array("hello\n".utf8)
    /// 1 GiB: the size of the bomb entries (sparse, so it costs nothing to write).
    static let bombSize: Int64 = 1 << 30

    private typealias Entry = CraftedArchive.Entry

    private static var manifest: Entry { CraftedArchive.manifest(files: [(okPath, okBytes, false)]) }
    private static var ok: Entry { CraftedArchive.file(okPath, okBytes) }

    private static func link(_ path: String, to target: String, hard: Bool) -> Entry {
        Entry(header: ArchiveEntryHeader(
            path: path, kind: hard ? .regularFile : .symbolicLink, size: 0, permissions: 0o644,
            hardlinkTarget: hard ? target : nil, symlinkTarget: hard ? nil : target
        ))
    }

    private static func special(_ path: String, _ kind: ArchiveEntryKind) -> Entry {
        Entry(header: ArchiveEntryHeader(path: path, kind: kind, size: 0, permissions: 0o644))
    }

    private static func sparseBomb(_ path: String) -> Entry {
        // One 4 KiB data region at the very end; the rest is a hole that
        // decompresses to zeros.
        Entry(
            header: ArchiveEntryHeader(path: path, kind: .regularFile, size: bombSize, permissions: 0o644),
            data: [UInt8](repeating: 0, count: 4096),
            sparseDataRegions: [(offset: bombSize - 4096, length: 4096)]
        )
    }

    /// The archive's entries.
    var archive: CraftedArchive {
        let m = Self.manifest
        let ok = Self.ok
        switch self {
        case .dotDot: return CraftedArchive(entries: [m, ok, CraftedArchive.file("../escape.txt", [1])])
        case .dotDotDeep: return CraftedArchive(entries: [m, ok, CraftedArchive.file("lib/a-1/../../../escape.txt", [1])])
        case .absolutePath: return CraftedArchive(entries: [m, ok, CraftedArchive.file(Self.absoluteTarget, [1])])
        case .outsideLayout: return CraftedArchive(entries: [m, ok, CraftedArchive.file("etc/passwd", [1])])
        case .controlCharacter: return CraftedArchive(entries: [m, ok, CraftedArchive.file("lib/a-1/x\ny", [1])])
        case .symlinkOutside: return CraftedArchive(entries: [m, Self.link("lib/a-1/link", to: "/etc", hard: false), ok])
        case .symlinkInside: return CraftedArchive(entries: [m, ok, Self.link("lib/a-1/link", to: "ok.txt", hard: false)])
        case .hardlinkOutside: return CraftedArchive(entries: [m, ok, Self.link("lib/a-1/h", to: "/etc/passwd", hard: true)])
        case .hardlinkInside: return CraftedArchive(entries: [m, ok, Self.link("lib/a-1/h", to: Self.okPath, hard: true)])
        case .fifo: return CraftedArchive(entries: [m, ok, Self.special("lib/a-1/fifo", .fifo)])
        case .characterDevice: return CraftedArchive(entries: [m, ok, Self.special("lib/a-1/null", .characterDevice)])
        case .blockDevice: return CraftedArchive(entries: [m, ok, Self.special("lib/a-1/disk", .blockDevice)])
        case .duplicateFile: return CraftedArchive(entries: [m, ok, ok])
        case .duplicateDirectory:
            return CraftedArchive(entries: [m, CraftedArchive.directory("lib/a-1/"), CraftedArchive.directory("lib/a-1/"), ok])
        case .unlistedFile: return CraftedArchive(entries: [m, ok, CraftedArchive.file("lib/a-1/extra.txt", [1])])
        case .missingFile:
            return CraftedArchive(entries: [CraftedArchive.manifest(files: [(Self.okPath, Self.okBytes, false), ("lib/a-1/gone.txt", [1], false)]), ok])
        case .unneededDirectory: return CraftedArchive(entries: [m, ok, CraftedArchive.directory("lib/zzz/")])
        case .manifestNotFirst: return CraftedArchive(entries: [ok, m])
        case .noManifest: return CraftedArchive(entries: [ok])
        case .emptyArchive: return CraftedArchive(entries: [])
        case .manifestTwice: return CraftedArchive(entries: [m, ok, m])
        case .garbledManifest: return CraftedArchive(entries: [CraftedArchive.manifest(text: "hello\nworld\n"), ok])
        case .unsortedManifest:
            let line = { (path: String) in "\(String(repeating: "0", count: 64))  1  0644  \(path)\n" }
            return CraftedArchive(entries: [
                CraftedArchive.manifest(text: "relive-bundle-manifest 1\nrelease demo 1.0.0\n" + line("lib/b") + line("lib/a")), ok,
            ])
        case .hashMismatch:
            return CraftedArchive(entries: [CraftedArchive.manifest(files: [(Self.okPath, Array("HELLO\n".utf8), false)]), ok])
        case .sizeMismatch:
            return CraftedArchive(entries: [CraftedArchive.manifest(files: [(Self.okPath, Array("hello!\n".utf8), false)]), ok])
        case .modeMismatch: return CraftedArchive(entries: [m, CraftedArchive.file(Self.okPath, Self.okBytes, mode: 0o755)])
        case .bombPromisedByManifest:
            let text = "relive-bundle-manifest 1\nrelease demo 1.0.0\n\(String(repeating: "0", count: 64))  \(Self.bombSize)  0644  lib/a-1/big\n"
            return CraftedArchive(entries: [CraftedArchive.manifest(text: text), Self.sparseBomb("lib/a-1/big")])
        case .bombHiddenBehindSmallManifest:
            return CraftedArchive(entries: [CraftedArchive.manifest(files: [("lib/a-1/big", [1, 2, 3], false)]), Self.sparseBomb("lib/a-1/big")])
        case .compressionBomb:
            // A real one: 24 MiB of zeros that gzip squeezes into a few KiB, with
            // honest headers and an honest manifest; each file is within the
            // per-file limit, together they are over the total.
            let zeros = [UInt8](repeating: 0, count: 8 << 20)
            let files = (1...3).map { ("lib/a-1/zeros\($0)", zeros, false) }
            return CraftedArchive(entries: [CraftedArchive.manifest(files: files)] + files.map { CraftedArchive.file($0.0, $0.1) })
        }
    }

    /// The entry the error must name (nil: no particular entry) and words
    /// its message must contain.
    var expectation: (entry: String?, message: String) {
        switch self {
        case .dotDot: ("../escape.txt", "'..' component")
        case .dotDotDeep: ("lib/a-1/../../../escape.txt", "'..' component")
        case .absolutePath: (Self.absoluteTarget, "absolute path")
        case .outsideLayout: ("etc/passwd", "outside lib/, releases/ and hosts/")
        case .controlCharacter: ("lib/a-1/x\\u{a}y", "byte 0xa not allowed")
        case .symlinkOutside: ("lib/a-1/link", "symbolic link to '/etc' refused")
        case .symlinkInside: ("lib/a-1/link", "symbolic link to 'ok.txt' refused")
        case .hardlinkOutside: ("lib/a-1/h", "hard link to '/etc/passwd' refused")
        case .hardlinkInside: ("lib/a-1/h", "hard link to 'lib/a-1/ok.txt' refused")
        case .fifo: ("lib/a-1/fifo", "FIFO entry refused")
        case .characterDevice: ("lib/a-1/null", "character device entry refused")
        case .blockDevice: ("lib/a-1/disk", "block device entry refused")
        case .duplicateFile: (Self.okPath, "duplicate entry")
        case .duplicateDirectory: ("lib/a-1/", "duplicate entry")
        case .unlistedFile: ("lib/a-1/extra.txt", "not listed in the manifest")
        case .missingFile: ("lib/a-1/gone.txt", "missing from the archive")
        case .unneededDirectory: ("lib/zzz/", "directory not needed")
        case .manifestNotFirst: (Self.okPath, "first entry must be MANIFEST")
        case .noManifest: (Self.okPath, "first entry must be MANIFEST")
        case .emptyArchive: (nil, "empty archive")
        case .manifestTwice: ("MANIFEST", "appears again")
        case .garbledManifest: ("MANIFEST", "line 1")
        case .unsortedManifest: ("MANIFEST", "out of order")
        case .hashMismatch: (Self.okPath, "SHA-256 mismatch")
        case .sizeMismatch: (Self.okPath, "the manifest says 7")
        case .modeMismatch: (Self.okPath, "does not match the manifest's 0644")
        case .bombPromisedByManifest: ("lib/a-1/big", "per-file limit")
        case .bombHiddenBehindSmallManifest: ("lib/a-1/big", "header says 1073741824 bytes")
        case .compressionBomb: ("MANIFEST", "add up to more than the total limit")
        }
    }
}
