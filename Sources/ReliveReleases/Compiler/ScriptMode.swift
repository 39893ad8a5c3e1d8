/// The direction a script is compiled for.
public enum ScriptMode: String, Sendable {
    case up, down
}
