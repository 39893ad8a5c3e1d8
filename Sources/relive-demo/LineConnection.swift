import Glibc

/// One blocking TCP connection speaking the example system's line protocol
/// (`docs/example.md`): a request line out, a reply line back.
final class LineConnection {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects to 127.0.0.1:`port`, with `timeout` seconds for each reply.
    /// - Throws: ``Failure`` naming the syscall that failed.
    init(port: UInt16, timeout: Int = 15) throws {
        // `self.fd` is set only once the connection exists: an init that
        // throws before then runs no deinit, so the descriptor is closed
        // exactly once. (A throw after every stored property is set runs the
        // deinit too: closing here and there closed the number twice, the
        // second time another session's new socket, which then two sessions
        // shared, their replies crossing.)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let e = errno
            Glibc.close(fd)
            throw Failure(description: "connect: \(String(cString: strerror(e)))")
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        self.fd = fd
    }

    deinit { Glibc.close(fd) }

    /// Sends `line` and returns the reply line (without its newline).
    /// - Throws: ``Failure`` for a closed connection, a timeout or an OS error.
    func request(_ line: String) throws -> String {
        let bytes = Array((line + "\n").utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Failure(description: "send: \(String(cString: strerror(errno)))") }
            sent += n
        }
        return try readLine()
    }

    private func readLine() throws -> String {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n == 0 { throw Failure(description: "the node closed the connection") }
            guard n > 0 else {
                throw Failure(description: errno == EAGAIN ? "no reply within the timeout" : "recv: \(String(cString: strerror(errno)))")
            }
            buffer += chunk[..<n]
        }
    }
}
