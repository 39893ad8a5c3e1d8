/// gen_tcp's `{active, Mode}`: how data reaches the owner.
@frozen
public enum SocketActive: Sendable, Hashable {
    /// `{active, false}`: nothing is read until the owner calls `recv`.
    case passive
    /// `{active, once}`: one `{tcp, S, Data}`, then passive again.
    case once
    /// `{active, N}`: N messages, then `{tcp_passive, S}` and passive. A
    /// count of 0 or less makes the socket passive at once (and sends
    /// `{tcp_passive, S}`); counts add up as in gen_tcp.
    case count(Int)
    /// `{active, true}`: every frame as a message, no flow control.
    case always
}

/// gen_tcp's `shutdown(S, How)`.
@frozen
public enum SocketShutdown: Sendable, Hashable {
    case read, write, readWrite
}

/// An IP address and port.
public struct InetAddress: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
