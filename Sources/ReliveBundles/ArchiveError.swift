import CArchiveShim

/// A failure reported by libarchive, carrying libarchive's own message.
///
/// Every call into libarchive that can fail goes through ``ArchiveError/check(_:_:archive:)``,
/// so no status code is ever ignored.
public struct ArchiveError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What the layer was doing ("read header", "open gzip filter", ...).
    public let operation: String
    /// libarchive's error string (or a fallback when it gave none).
    public let message: String
    /// libarchive's `archive_errno`, 0 when it set none.
    public let errorNumber: Int32

    public var description: String { "\(operation): \(message)" }

    init(operation: String, message: String, errorNumber: Int32) {
        self.operation = operation
        self.message = message
        self.errorNumber = errorNumber
    }

    /// Builds the error from the archive's current error state.
    init(operation: String, archive: OpaquePointer) {
        self.operation = operation
        if let cMessage = archive_error_string(archive) {
            self.message = String(cString: cMessage)
        } else {
            self.message = "libarchive reported an error without a message"
        }
        self.errorNumber = archive_errno(archive)
    }

    /// Throws unless `status` is `ARCHIVE_OK`.
    ///
    /// Warnings count as errors: a warning from libarchive means something was
    /// not done as asked (an external compressor, an unconvertible name), and
    /// a bundle must be exactly what was asked for.
    static func check(_ status: Int32, _ operation: String, archive: OpaquePointer) throws {
        if status != ARCHIVE_OK {
            throw ArchiveError(operation: operation, archive: archive)
        }
    }
}
