/// How an application is started in a release (`.rel` and `add_application`).
public enum StartType: String, Sendable, Hashable, CaseIterable {
    case permanent, transient, temporary, load, none
}
