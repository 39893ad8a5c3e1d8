/// Socket options for listening and connecting (gen_tcp's option list), by
/// a process (``ProcessContext/listen(port:options:)``,
/// ``ProcessContext/connect(host:port:options:timeout:)``) or through the
/// TCP module. Accepted sockets take the listener's options.
///
/// A kit type so that plugins can listen and connect without linking the
/// TCP module (SwiftNIO).
public struct TCPOptions: Sendable {
    /// `{packet, _}`.
    public var packet: TCPPacket = .raw
    /// `{active, _}` the socket starts with (once it has an owner).
    public var active: SocketActive = .passive
    /// `{nodelay, _}` (TCP_NODELAY).
    public var nodelay = false
    /// `{keepalive, _}` (SO_KEEPALIVE).
    public var keepalive = false
    /// `{recbuf, _}` / `{sndbuf, _}` (SO_RCVBUF / SO_SNDBUF); nil keeps the OS's.
    public var receiveBuffer: Int? = nil
    public var sendBuffer: Int? = nil
    /// `{reuseaddr, _}` (listeners).
    public var reuseaddr = true
    /// `{backlog, _}` (listeners): also bounds accepted connections no process has claimed yet.
    public var backlog = 128
    /// `{ip, _}` for listeners: the address to bind.
    public var ip = "127.0.0.1"
    /// `{linger, {true, Seconds}}`; 0 makes close reset the connection.
    public var linger: Int? = nil

    public init(packet: TCPPacket = .raw, active: SocketActive = .passive, nodelay: Bool = false) {
        self.packet = packet
        self.active = active
        self.nodelay = nodelay
    }
}
