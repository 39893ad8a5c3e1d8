import ReliveKit

/// The release a node booted: what `relive node status` reports.
public struct BootedRelease: Sendable {
    public let name: String
    public let vsn: String
    /// Applications in start order, with their start types.
    public let applications: [(name: Atom, vsn: String, type: String)]
}
