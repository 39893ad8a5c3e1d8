import Glibc

/// Which program the watchdog starts for each boot of the node, read from
/// the install root at every start (OTP's `start_erl` reading
/// `start_erl.data` to pick the ERTS):
/// - a trial boot the node scheduled (`releases/next_boot`, a release on
///   another host): the file moves to `run/trial_boot` — so it is started
///   once, and every later start boots the permanent release again — and the
///   release's host program runs with `--trial`;
/// - else the permanent release of the boot file (`releases/start_erl.data`,
///   `<name> <vsn> <host>`) on its host.
///
/// A host's program is `hosts/<host>/bin/relive` in the root; a host with no
/// program there is the watchdog's own (its command as given). The watchdog
/// links no Relive module, so the two line formats are read here by hand.
struct BootProgram {
    let root: String
    /// The node's command on the watchdog's own host.
    let command: [String]

    /// The command for the next start, and a line saying what it boots.
    func next() -> (command: [String], what: String) {
        let pending = root + "/releases/next_boot", started = root + "/run/trial_boot"
        if let fields = Self.firstLine(pending) {
            guard fields.count == 3 else {
                say("\(pending): not \"<name> <vsn> <host>\"; ignored, booting the permanent release")
                unlink(pending)
                return permanent()
            }
            mkdir(root + "/run", 0o700)
            guard rename(pending, started) == 0 else {
                say("cannot move \(pending) to \(started): \(String(cString: strerror(errno))); booting the permanent release")
                unlink(pending)
                return permanent()
            }
            return (withProgram(for: fields[2]) + ["--trial"], "trial boot of \(fields[0]) \(fields[1]) on host \(fields[2])")
        }
        return permanent()
    }

    private func permanent() -> (command: [String], what: String) {
        guard let fields = Self.firstLine(root + "/releases/start_erl.data"), fields.count >= 2 else {
            return (command, "the permanent release")
        }
        let host = fields.count == 3 ? fields[2] : nil
        return (host.map(withProgram) ?? command, "\(fields[0]) \(fields[1])\(host.map { " on host \($0)" } ?? "")")
    }

    /// The command with `host`'s program in the place of the first word,
    /// when the root has one; else the command as given.
    private func withProgram(for host: String) -> [String] {
        let plain = !host.isEmpty && host != "." && host != ".." && !host.contains("/")
        let program = root + "/hosts/" + host + "/bin/relive"
        guard plain, access(program, X_OK) == 0, !command.isEmpty else { return command }
        return [program] + command.dropFirst()
    }

    /// The whitespace-separated words of a small file's first line; nil when
    /// there is no such file.
    private static func firstLine(_ path: String) -> [String]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        let count = read(fd, &bytes, bytes.count)
        guard count >= 0 else { return nil }
        let line = bytes[..<count].prefix { $0 != UInt8(ascii: "\n") }
        return line.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") })
            .map { String(decoding: $0, as: UTF8.self) }
    }
}
