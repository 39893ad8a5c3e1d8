import ReliveKit

/// A release upgrade file (`relup`):
/// `{Vsn, [{UpFromVsn, Description, Instructions}], [{DownToVsn, Description, Instructions}]}`.
///
/// Instructions are OTP's low-level ones, kept as terms so that a relup from
/// `systools:make_relup` and one from Relive are interchangeable.
public struct Relup: Sendable, Equatable {
    /// The release version this relup upgrades to / downgrades from.
    public var vsn: String
    public var up: [Entry]
    public var down: [Entry]

    public init(vsn: String, up: [Entry], down: [Entry]) {
        self.vsn = vsn
        self.up = up
        self.down = down
    }

    /// The script for one other release version.
    public struct Entry: Sendable, Equatable {
        public var vsn: String
        /// Free-form, `[]` when none was given.
        public var description: Term
        public var instructions: [Term]

        public init(vsn: String, description: Term = .list([]), instructions: [Term]) {
            self.vsn = vsn
            self.description = description
            self.instructions = instructions
        }
    }
}
