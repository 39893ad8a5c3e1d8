/// One tar entry's header as read from (or to be written to) an archive.
///
/// Names are kept as raw bytes: an archive is untrusted, so a name that is
/// not valid UTF-8 must still be reportable (lossily) and refusable.
public struct ArchiveEntryHeader: Sendable, Equatable {
    /// The entry's path name, raw bytes as stored.
    public var pathBytes: [UInt8]
    /// The entry's file type.
    public var kind: ArchiveEntryKind
    /// Declared size of the data in bytes, nil when the header sets none.
    public var size: Int64?
    /// Permission bits (the low 12 bits of the mode).
    public var permissions: UInt32
    /// Target of a hard link entry, nil when the entry is not a hard link.
    public var hardlinkTarget: [UInt8]?
    /// Target of a symbolic link entry, nil when the entry is not one.
    public var symlinkTarget: [UInt8]?
    /// Modification time in seconds since the epoch.
    public var modificationTime: Int64
    /// Owner as read (the writer always writes uid/gid 0 and no names).
    public var userID: Int64 = 0
    public var groupID: Int64 = 0
    public var userName: String?
    public var groupName: String?

    public init(
        path: String,
        kind: ArchiveEntryKind,
        size: Int64? = nil,
        permissions: UInt32 = 0o644,
        hardlinkTarget: String? = nil,
        symlinkTarget: String? = nil,
        modificationTime: Int64 = 0
    ) {
        self.pathBytes = Array(path.utf8)
        self.kind = kind
        self.size = size
        self.permissions = permissions
        self.hardlinkTarget = hardlinkTarget.map { Array($0.utf8) }
        self.symlinkTarget = symlinkTarget.map { Array($0.utf8) }
        self.modificationTime = modificationTime
    }

    init(
        pathBytes: [UInt8], kind: ArchiveEntryKind, size: Int64?, permissions: UInt32,
        hardlinkTarget: [UInt8]?, symlinkTarget: [UInt8]?, modificationTime: Int64
    ) {
        self.pathBytes = pathBytes
        self.kind = kind
        self.size = size
        self.permissions = permissions
        self.hardlinkTarget = hardlinkTarget
        self.symlinkTarget = symlinkTarget
        self.modificationTime = modificationTime
    }

    /// The path for messages: lossy UTF-8, control characters escaped so an
    /// attacker-chosen name cannot forge lines in a log.
    public var displayPath: String { Self.display(pathBytes) }

    static func display(_ bytes: [UInt8]) -> String {
        var result = ""
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7f {
                result += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
