/// The state of a release in `RELEASES`.
public enum ReleaseStatus: String, Sendable, Hashable, CaseIterable {
    case permanent, current, unpacked, old
}
