import ReliveKit

/// An application upgrade file (`Name.appup`):
/// `{Vsn, [{UpFromVsn, Instructions}], [{DownToVsn, Instructions}]}`.
///
/// Instructions are kept as terms: the relup compiler checks them with OTP's
/// rules and error names (`bad_instruction`, `bad_module`, ...), so an appup
/// with a bad instruction still reads and fails where OTP fails.
public struct Appup: Sendable, Equatable {
    /// The application version this appup upgrades to / downgrades from.
    public var vsn: String
    public var up: [Entry]
    public var down: [Entry]

    public init(vsn: String, up: [Entry], down: [Entry]) {
        self.vsn = vsn
        self.up = up
        self.down = down
    }

    /// The instructions for the versions a pattern names.
    public struct Entry: Sendable, Equatable {
        public var version: VersionPattern
        public var instructions: [Term]

        public init(version: VersionPattern, instructions: [Term]) {
            self.version = version
            self.instructions = instructions
        }
    }

    /// The instructions of the first entry of `entries` whose pattern matches `vsn`.
    public static func search(_ vsn: String, in entries: [Entry]) -> [Term]? {
        entries.first { $0.version.matches(vsn) }?.instructions
    }
}
