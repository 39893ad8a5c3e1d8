import Glibc

/// A connected or listening Unix domain stream socket (the control socket's
/// transport). The descriptor is closed by ``close()``; every call reports
/// failures as ``NodeError`` naming the operation, the path and errno.
public struct UnixSocket: Sendable {
    public let descriptor: Int32

    /// The credentials of the process at the other end, from `SO_PEERCRED`
    /// (taken by the kernel when that process connected: they cannot be forged).
    public struct Peer: Sendable, Equatable {
        public let pid: Int32
        public let uid: UInt32
        public let gid: UInt32
    }

    /// Longest path `sockaddr_un` holds (with its terminating NUL).
    static let maxPathLength = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// Binds and listens on `path` with mode 0600 (a stale socket file left by
    /// a killed node is removed first; any other file there is refused).
    /// - Throws: ``NodeError`` (`failed`) naming the call and errno.
    public static func listen(path: String, backlog: Int32 = 16) throws(NodeError) -> UnixSocket {
        var status = stat()
        if lstat(path, &status) == 0 {
            guard (status.st_mode & S_IFMT) == S_IFSOCK else {
                throw NodeError(.failed, "\(path) exists and is not a socket")
            }
            unlink(path)
        }
        let socket = try make(path: path)
        // Created 0600: the umask makes the socket file owner-only from the start.
        let old = umask(0o177)
        let bound = withAddress(path) { bind(socket.descriptor, $0, $1) }
        umask(old)
        guard bound == 0 else { let e = errno; socket.close(); throw failure("bind", path, e) }
        guard Glibc.listen(socket.descriptor, backlog) == 0 else { let e = errno; socket.close(); throw failure("listen", path, e) }
        return socket
    }

    /// Connects to the socket at `path`.
    /// - Throws: ``NodeError`` `notRunning` when nothing listens there (no
    ///   file, connection refused), `refused` for a permission error, else `failed`.
    public static func connect(path: String) throws(NodeError) -> UnixSocket {
        let socket = try make(path: path)
        let result = withAddress(path) { Glibc.connect(socket.descriptor, $0, $1) }
        guard result == 0 else {
            let e = errno
            socket.close()
            switch e {
            case ENOENT, ECONNREFUSED, ENOTDIR: throw NodeError(.notRunning, "no node answers on \(path)")
            case EACCES, EPERM: throw NodeError(.refused, "\(path): permission denied (the node's socket is its owner's only)")
            default: throw failure("connect", path, e)
            }
        }
        return socket
    }

    /// Accepts one connection (blocking; retried on EINTR).
    public func accept() throws(NodeError) -> UnixSocket {
        while true {
            // accept4 is not in Glibc's module: accept, then FD_CLOEXEC.
            let fd = Glibc.accept(descriptor, nil, nil)
            if fd >= 0 {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                return UnixSocket(descriptor: fd)
            }
            if errno == EINTR || errno == ECONNABORTED { continue }
            throw Self.failure("accept", nil, errno)
        }
    }

    /// The connected peer's pid, uid and gid (`SO_PEERCRED`).
    public func peer() throws(NodeError) -> Peer {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }: three 32-bit fields
        // (Glibc's module does not import the struct without _GNU_SOURCE).
        var credentials: [UInt32] = [0, 0, 0]
        var length = socklen_t(MemoryLayout<UInt32>.size * 3)
        guard getsockopt(descriptor, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0 else {
            throw Self.failure("getsockopt(SO_PEERCRED)", nil, errno)
        }
        guard length == socklen_t(MemoryLayout<UInt32>.size * 3) else {
            throw NodeError(.failed, "getsockopt(SO_PEERCRED) returned \(length) bytes, not a struct ucred")
        }
        return Peer(pid: Int32(bitPattern: credentials[0]), uid: credentials[1], gid: credentials[2])
    }

    /// Reads up to the first `\n` (not included). At most `limit` bytes; a
    /// longer line, or the end of the stream before a `\n`, is an error.
    public func readLine(limit: Int) throws(NodeError) -> [UInt8] {
        // Peek first and take only up to the newline: the bytes after it are
        // the next line (a node sends progress lines back to back), and the
        // socket itself is the only buffer, so the type stays stateless.
        var line: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let peeked = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_PEEK)) }
            if peeked < 0 {
                if errno == EINTR { continue }
                throw Self.failure("read", nil, errno)
            }
            if peeked == 0 { throw NodeError(.failed, "the connection closed before a full line") }
            let newline = buffer[0..<peeked].firstIndex(of: UInt8(ascii: "\n"))
            let take = newline.map { $0 + 1 } ?? peeked
            var taken = 0
            while taken < take {
                let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress! + taken, take - taken, 0) }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw Self.failure("read", nil, errno)
                }
                if count == 0 { throw NodeError(.failed, "the connection closed before a full line") }
                taken += count
            }
            if let newline {
                line += buffer[..<newline]
                guard line.count <= limit else { throw NodeError(.usage, "line longer than \(limit) bytes") }
                return line
            }
            line += buffer[0..<take]
            guard line.count <= limit else { throw NodeError(.usage, "line longer than \(limit) bytes") }
        }
    }

    /// Writes `bytes` only if the socket has room without waiting
    /// (MSG_DONTWAIT), else drops them: for progress lines, which must never
    /// hold up the node. A line the socket took in part is finished, so the
    /// stream stays whole.
    public func writeIfRoom(_ bytes: [UInt8]) {
        let sent = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        if sent > 0 && sent < bytes.count { try? write(Array(bytes[sent...])) }
    }

    /// Writes every byte (retrying short writes and EINTR).
    public func write(_ bytes: [UInt8]) throws(NodeError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                throw Self.failure("write", nil, errno)
            }
            offset += written
        }
    }

    /// Sets a receive timeout, so a client never waits forever on a hung node.
    public func setReceiveTimeout(seconds: Int) {
        var value = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    public func close() { _ = Glibc.close(descriptor) }

    // MARK: helpers

    private static func make(path: String) throws(NodeError) -> UnixSocket {
        guard path.utf8.count <= maxPathLength else {
            throw NodeError(.failed, "\(path): socket path longer than \(maxPathLength) bytes (use a shorter install root)")
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("socket", path, errno) }
        return UnixSocket(descriptor: fd)
    }

    private static func withAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8.prefix(maxPathLength))
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    private static func failure(_ operation: String, _ path: String?, _ code: Int32) -> NodeError {
        NodeError(.failed, "\(operation)\(path.map { " " + $0 } ?? ""): \(String(cString: strerror(code))) (errno \(code))")
    }
}
