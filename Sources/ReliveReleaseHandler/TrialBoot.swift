/// One boot of a release that is not permanent, started by the watchdog:
/// how a release on another host (`restart_new_emulator`, OTP's new ERTS)
/// or one whose script ends in `restart_emulator` comes to run.
///
/// The node that schedules it writes `releases/next_boot` and exits for a
/// restart; the watchdog moves the file to `run/trial_boot` as it starts the
/// release's host with `--trial`, so every later restart boots the permanent
/// release again — a trial node that dies, hangs or fails its health gate is
/// thereby rolled back, as OTP's heart does with a new emulator that does not
/// come up. The trial node makes the release permanent once its health gate
/// passes; the node that boots after a failed trial reads why from the file.
///
/// The text is line-based so that the watchdog, which links no Relive
/// module, reads its first line as it reads the boot file:
/// ```
/// <release name> <release vsn> <host vsn>
/// from <release vsn>
/// health_window_ms <n>        (absent: no gate; the release stays current)
/// max_exits <n>
/// failed <reason ...>         (written by a trial node whose gate failed)
/// ```
public struct TrialBoot: Sendable, Equatable {
    public var name: String
    public var vsn: String
    /// The host (`{erts, Vsn}`) the release runs on.
    public var host: String
    /// The release that ran when the trial was scheduled (the permanent one).
    public var from: String
    /// The health gate the trial node runs, in milliseconds; nil: none, the
    /// release stays current until `make_permanent` (as `install` leaves it).
    public var healthWindowMilliseconds: Int?
    /// Child exits the gate tolerates.
    public var maxExits: Int
    /// Why the trial failed, when the trial node itself found out.
    public var failure: String?

    public init(name: String, vsn: String, host: String, from: String,
                healthWindowMilliseconds: Int? = nil, maxExits: Int = 3, failure: String? = nil) {
        self.name = name
        self.vsn = vsn
        self.host = host
        self.from = from
        self.healthWindowMilliseconds = healthWindowMilliseconds
        self.maxExits = maxExits
        self.failure = failure
    }

    /// A malformed trial-boot file: what is wrong, without the path (the store adds it).
    public struct FormatError: Error, Sendable {
        public let message: String
    }

    /// Parses the text form.
    /// - Throws: ``FormatError`` naming the line at fault.
    public init(text: String) throws(FormatError) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard let first = lines.first else { throw FormatError(message: "empty") }
        let head = first.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard head.count == 3 else { throw FormatError(message: "line 1: expected \"<release name> <release vsn> <host vsn>\"") }
        var from: String?, window: Int?, maxExits = 3, failure: String?
        for (n, line) in lines.enumerated().dropFirst() {
            let key = line.prefix { $0 != " " }
            let value = line.dropFirst(key.count).drop { $0 == " " }
            func count() throws(FormatError) -> Int {
                guard let v = Int(value), v >= 0 else { throw FormatError(message: "line \(n + 1): \(key) is not a count: \(value)") }
                return v
            }
            switch key {
            case "from": from = String(value)
            case "health_window_ms": window = try count()
            case "max_exits": maxExits = try count()
            case "failed": failure = String(value)
            default: throw FormatError(message: "line \(n + 1): unknown key \(key)")
            }
        }
        guard let from, !from.isEmpty else { throw FormatError(message: "no \"from <release vsn>\" line") }
        self.init(name: head[0], vsn: head[1], host: head[2], from: from,
                  healthWindowMilliseconds: window, maxExits: maxExits, failure: failure)
    }

    /// The text form (``init(text:)`` reads it back).
    public var text: String {
        var lines = ["\(name) \(vsn) \(host)", "from \(from)"]
        if let healthWindowMilliseconds { lines.append("health_window_ms \(healthWindowMilliseconds)") }
        lines.append("max_exits \(maxExits)")
        // One line: a reason is free text from errors, so newlines are flattened.
        if let failure { lines.append("failed " + failure.split(whereSeparator: \.isNewline).joined(separator: " ")) }
        return lines.joined(separator: "\n") + "\n"
    }
}
