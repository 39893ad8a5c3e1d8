import Foundation
import Glibc

/// OTP's heart for a Relive node: runs the node, restarts it when it ends
/// (a trap, SIGKILL, a permanent application's end: any exit but 0) or stops
/// beating (a hung node: no heartbeat for `timeout` seconds, then SIGKILL),
/// with backoff and a restart limit. Each restart boots the install root's
/// permanent release on its host (``BootProgram``), so a release installed
/// but not made permanent is thereby rolled back — except the one trial boot
/// a node schedules for a release on another host. Exit 0 of the node (asked
/// to stop) ends the watchdog.
///
/// Every event is one line on standard output, `relive-heart: ...`.
struct Watchdog {
    /// The node's exit status for "boot me again now" (`NodeService.restartStatus`;
    /// the watchdog links no Relive module, so the number is repeated here).
    static let restartStatus: Int32 = 75

    let program: BootProgram
    let timeout: Double
    var policy: RestartPolicy
    let pidFile: String?

    /// Runs until the node stops cleanly (returns 0), SIGTERM/SIGINT (the node
    /// is stopped with SIGTERM first; returns 0), or the restart limit (returns 1).
    mutating func run() -> Int32 {
        let signals = SignalPipe.install([SIGTERM, SIGINT, SIGCHLD])
        if let pidFile {
            mkdir((pidFile as NSString).deletingLastPathComponent, 0o700)
            writePidFile(pidFile)
        }
        defer { if let pidFile { unlink(pidFile) } }
        var restarts = 0
        var lastAsked = -Double.infinity
        while true {
            let (command, what) = program.next()
            let child: NodeChild
            do { child = try NodeChild.spawn(command, restarts: restarts) } catch {
                say("cannot start the node (\(command.first ?? "?")): \(error)")
                return 1
            }
            say("started node pid \(child.pid) (restarts so far: \(restarts)): \(what)")
            let end = watch(child, signals: signals)
            close(child.heartbeats)
            switch end {
            case .stoppedCleanly:
                say("node pid \(child.pid) stopped cleanly; exiting")
                return 0
            case .terminated:
                return 0
            case .restartRequested where Self.now() - lastAsked >= 5:
                // Asked for (a rollback into an old release, a trial boot on
                // another host, the end of a failed trial): at once, not counted.
                say("node pid \(child.pid) asked to be restarted")
                lastAsked = Self.now()
                restarts += 1   // a restart the node reports, not one the limit counts
                continue
            case .restartRequested:
                // Asking again at once is a loop, not a rollback: backoff and limit apply.
                say("node pid \(child.pid) asked to be restarted again within 5 s: counted as a failure")
            case .died(let how):
                say("node pid \(child.pid) \(how)")
            }
            switch policy.nodeEnded(at: Self.now()) {
            case .giveUp(let count):
                say("\(count) restarts within \(Int(policy.period)) s: giving up")
                return 1
            case .restart(let delay, let count):
                say("restarting in \(Int(delay * 1000)) ms (restart \(count) of at most \(policy.maxRestarts) within \(Int(policy.period)) s)")
                if signals.wait(seconds: delay, for: [SIGTERM, SIGINT]) != nil { return 0 }
                restarts += 1
            }
        }
    }

    private enum End {
        case stoppedCleanly
        case terminated
        case restartRequested
        case died(String)
    }

    /// Watches one node until it ends (or is killed for a missed heartbeat).
    private func watch(_ child: NodeChild, signals: SignalPipe) -> End {
        var deadline = Self.now() + timeout
        var buffer = [UInt8](repeating: 0, count: 256)
        while true {
            if let status = Self.reap(child.pid) { return Self.describe(status) }
            var fds = [pollfd(fd: child.heartbeats, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: signals.readEnd, events: Int16(POLLIN), revents: 0)]
            let wait = max(0, deadline - Self.now())
            let ready = poll(&fds, 2, Int32(min(wait * 1000, 1000)) + 1)
            if ready < 0 && errno != EINTR { say("poll: \(String(cString: strerror(errno)))") }
            if fds[0].revents & Int16(POLLIN) != 0 {
                if read(child.heartbeats, &buffer, buffer.count) > 0 { deadline = Self.now() + timeout }
            }
            for signal in signals.drain() where signal == SIGTERM || signal == SIGINT {
                say("signal \(signal): stopping node pid \(child.pid)")
                kill(child.pid, SIGTERM)
                var status: Int32 = 0
                while waitpid(child.pid, &status, 0) < 0 && errno == EINTR {}
                say("node pid \(child.pid) \(Self.text(status)); exiting")
                return .terminated
            }
            if Self.now() >= deadline, Self.reap(child.pid) == nil {
                say("node pid \(child.pid) sent no heartbeat for \(Self.seconds(timeout)) s: killing it")
                kill(child.pid, SIGKILL)
                var status: Int32 = 0
                while waitpid(child.pid, &status, 0) < 0 && errno == EINTR {}
                return .died("hung, \(Self.text(status))")
            }
        }
    }

    private static func reap(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid ? status : nil
    }

    private static func describe(_ status: Int32) -> End {
        if exited(status) && exitStatus(status) == 0 { return .stoppedCleanly }
        if exited(status) && exitStatus(status) == Self.restartStatus { return .restartRequested }
        return .died(text(status))
    }

    private static func text(_ status: Int32) -> String {
        exited(status) ? "exited with status \(exitStatus(status))" : "was killed by signal \(status & 0x7f)"
    }

    private static func exited(_ status: Int32) -> Bool { status & 0x7f == 0 }
    private static func exitStatus(_ status: Int32) -> Int32 { (status >> 8) & 0xff }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))" : "\(value)"
    }

    private func writePidFile(_ path: String) {
        let text = "\(getpid())\n"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { say("cannot write \(path): \(String(cString: strerror(errno)))"); return }
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }
}

/// One line on standard output, written at once (no buffering: the lines are
/// what tests and people wait on).
func say(_ line: String) {
    let text = "relive-heart: " + line + "\n"
    _ = text.withCString { write(STDOUT_FILENO, $0, strlen($0)) }
}
