// relive-heart: the watchdog (OTP's heart). Its own small OS process, with no
// plugin code in it: it runs `relive node run --root DIR`, restarts the node
// when it dies or hangs, and stops when the node stops cleanly.
//
//   relive-heart --root DIR [--heartbeat-timeout S] [--max-restarts N]
//                [--restart-period S] [--detach] [-- COMMAND ARGS...]
//
// Without a COMMAND it runs `<its folder>/relive node run --root DIR`. A
// release on another host runs on that host's program, the root's
// `hosts/<vsn>/bin/relive`, in COMMAND's first word's place.
import Foundation
import Glibc

func usage(_ message: String) -> Never {
    FileHandle.standardError.write(Data("relive-heart: \(message)\nusage: relive-heart --root DIR [--heartbeat-timeout S] [--max-restarts N] [--restart-period S] [--detach] [-- COMMAND ARGS...]\n".utf8))
    exit(64)
}

var root: String?
var timeout = 10.0, maxRestarts = 5, period = 60.0, detach = false
var command: [String] = []
var arguments = Array(CommandLine.arguments.dropFirst())[...]
while let argument = arguments.popFirst() {
    func value() -> String {
        guard let next = arguments.popFirst() else { usage("\(argument) needs a value") }
        return next
    }
    switch argument {
    case "--root": root = value()
    case "--heartbeat-timeout": guard let v = Double(value()), v > 0 else { usage("bad --heartbeat-timeout") }; timeout = v
    case "--max-restarts": guard let v = Int(value()), v >= 0 else { usage("bad --max-restarts") }; maxRestarts = v
    case "--restart-period": guard let v = Double(value()), v > 0 else { usage("bad --restart-period") }; period = v
    case "--detach": detach = true
    case "--": command = Array(arguments); arguments = []
    default: usage("unknown argument \(argument)")
    }
}
guard let root else { usage("give --root DIR") }
// A parent may have left signals blocked (Foundation's Process passes its
// thread's mask on): the watchdog must see SIGTERM, SIGINT and SIGCHLD.
var unblocked = sigset_t()
sigemptyset(&unblocked)
sigprocmask(SIG_SETMASK, &unblocked, nil)
if command.isEmpty {
    let folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
    command = [folder + "/relive", "node", "run", "--root", root]
}
// Detached (`relive node start`): a session of its own, so the terminal's
// signals and the starting shell's end do not reach the node.
if detach { setsid() }
var watchdog = Watchdog(program: BootProgram(root: root, command: command), timeout: timeout,
                        policy: RestartPolicy(maxRestarts: maxRestarts, period: period),
                        pidFile: root + "/run/heart.pid")
exit(watchdog.run())
