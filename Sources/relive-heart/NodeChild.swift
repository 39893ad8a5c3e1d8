import Glibc

/// The node process the watchdog runs: spawned with the write end of the
/// heartbeat pipe as fd 3 (`RELIVE_HEART_FD=3`), default signal dispositions
/// and an empty signal mask.
struct NodeChild {
    let pid: pid_t
    /// The read end of the heartbeat pipe (non-blocking).
    let heartbeats: Int32

    /// - Throws: ``HeartError`` naming the call.
    static func spawn(_ command: [String], restarts: Int) throws -> NodeChild {
        var fds: [Int32] = [0, 0]
        // pipe2 is not in Glibc's module; the watchdog has one thread, so the
        // moment before the F_DUPFD_CLOEXEC copies cannot leak into a child.
        guard pipe(&fds) == 0 else { throw HeartError("pipe", errno) }
        // Above 3, so dup2 onto 3 always makes a fresh descriptor without FD_CLOEXEC.
        let readEnd = fcntl(fds[0], F_DUPFD_CLOEXEC, 10), writeEnd = fcntl(fds[1], F_DUPFD_CLOEXEC, 10)
        close(fds[0]); close(fds[1])
        guard readEnd >= 0, writeEnd >= 0 else { throw HeartError("fcntl", errno) }
        defer { close(writeEnd) }
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), defaults = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGCHLD, SIGPIPE, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var environment: [String] = []
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if !text.hasPrefix("RELIVE_HEART_FD=") && !text.hasPrefix("RELIVE_HEART_RESTARTS=") { environment.append(text) }
            entry += 1
        }
        environment += ["RELIVE_HEART_FD=3", "RELIVE_HEART_RESTARTS=\(restarts)"]

        var pid: pid_t = 0
        let argv = command.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        let result = posix_spawnp(&pid, command[0], &actions, &attributes, argv, envp)
        guard result == 0 else { close(readEnd); throw HeartError("posix_spawn \(command[0])", result) }
        return NodeChild(pid: pid, heartbeats: readEnd)
    }
}

/// A failed system call of the watchdog.
struct HeartError: Error, CustomStringConvertible {
    let operation: String
    let code: Int32
    init(_ operation: String, _ code: Int32) { self.operation = operation; self.code = code }
    var description: String { "\(operation): \(String(cString: strerror(code)))" }
}
