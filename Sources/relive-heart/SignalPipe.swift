import Glibc

/// The self-pipe trick: signal handlers write the signal's number into a
/// pipe the watchdog polls beside the heartbeat pipe. (The watchdog has no
/// event loop to hand signals to; its handlers do nothing but this write.)
struct SignalPipe {
    let readEnd: Int32

    nonisolated(unsafe) static var writeEnd: Int32 = -1

    static func install(_ signals: [Int32]) -> SignalPipe {
        var fds: [Int32] = [0, 0]
        _ = pipe(&fds)
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        writeEnd = fds[1]
        for number in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in
                var byte = UInt8(truncatingIfNeeded: signal)
                _ = write(SignalPipe.writeEnd, &byte, 1)
            }
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(number, &action, nil)
        }
        return SignalPipe(readEnd: fds[0])
    }

    /// The signals received since the last drain.
    func drain() -> [Int32] {
        var buffer = [UInt8](repeating: 0, count: 64)
        var result: [Int32] = []
        while true {
            let count = read(readEnd, &buffer, buffer.count)
            guard count > 0 else { return result }
            result += buffer[0..<count].map { Int32($0) }
        }
    }

    /// Waits up to `seconds` for one of `wanted`; returns it, or nil on timeout.
    func wait(seconds: Double, for wanted: [Int32]) -> Int32? {
        let end = Watchdog.now() + seconds
        while true {
            let left = end - Watchdog.now()
            if left <= 0 { return nil }
            var fd = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            _ = poll(&fd, 1, Int32(left * 1000) + 1)
            if let hit = drain().first(where: { wanted.contains($0) }) { return hit }
        }
    }
}
