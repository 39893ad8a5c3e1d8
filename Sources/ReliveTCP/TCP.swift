@_spi(Runtime) import ReliveKit
import ReliveRuntime
import NIOCore
import NIOPosix
import Synchronization

/// gen_tcp for the processes of one node, on SwiftNIO's event loops.
///
/// Make one per node (`TCP(node:)`); it starts a small watcher process that
/// closes a process's sockets when it ends, and becomes the node's
/// ``NetworkService``, so every process (plugin code too) can
/// `listen`/`connect` through its ``ProcessContext``. Listening and connecting are
/// done here, by a process; what a socket does afterwards is on ``Socket``
/// (a kit value, so plugins use sockets without linking SwiftNIO).
///
/// Threads: the event loops only ever make mailbox sends to processes; a
/// process only ever enqueues work on an event loop or awaits a future
/// (which suspends its task, never a thread).
public final class TCP: Sendable {
    public let node: Node
    public let group: any EventLoopGroup
    let owners = TCPOwners()
    private let serials = Atomic<UInt64>(0)

    static let tcpTag: Term = .atom("tcp")
    static let closedTag: Term = .atom("tcp_closed")
    static let errorTag: Term = .atom("tcp_error")
    static let passiveTag: Term = .atom("tcp_passive")
    static let recvTag: Term = .atom("$tcp_recv")
    static let acceptTag: Term = .atom("$tcp_accept")

    /// - Parameter group: the event loops; NIO's shared singleton by default.
    public init(node: Node, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.node = node
        self.group = group
        owners.start(on: node)
        node.installNetworkService(self)
    }

    /// Serials with the top bit set: never a process's serial (see ``Socket``).
    func nextSerial() -> UInt64 { (UInt64(1) << 63) | serials.wrappingAdd(1, ordering: .relaxed).newValue }

    /// Sockets and listeners whose owner is being watched (open ones).
    public var openCount: Int { owners.count }

    /// Listens on `options.ip`:`port` (`gen_tcp:listen`); port 0 picks a free
    /// port, reported by ``TCPListener/port``. The calling process owns the
    /// listener (its death closes it).
    /// - Throws: ``SocketError`` (`eaddrinuse`, …, or `badarg` for bad options).
    public func listen(port: Int, options: TCPOptions = TCPOptions(), process: any ProcessContext) async throws -> TCPListener {
        try options.packet.validate()
        guard (0...65_535).contains(port) else { throw SocketError.badArgument("port \(port)") }
        guard options.backlog > 0 else { throw SocketError.badArgument("backlog \(options.backlog)") }
        let address: SocketAddress
        do { address = try SocketAddress(ipAddress: options.ip, port: port) } catch {
            throw SocketError.badArgument("ip \(options.ip)")
        }
        let listener = TCPListener(tcp: self, options: options, owner: process.pid)
        let child = Self.childOptions(options)
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: Int32(clamping: options.backlog))
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: options.reuseaddr ? 1 : 0)
            .childChannelOption(ChannelOptions.autoRead, value: false)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
        for (option, value) in child { bootstrap = bootstrap.childChannelOption(option, value: value) }
        let packet = options.packet
        bootstrap = bootstrap.childChannelInitializer { [listener] channel in
            let handler = TCPSocketHandler(packet: packet, allocator: channel.allocator)
            let socket = TCPSocket(channel: channel, packet: packet, owner: listener.owner, tcp: self)
            handler.socket = socket
            return channel.pipeline.addHandler(handler).map { listener.arrived(socket) }
        }
        do {
            let channel = try await bootstrap.bind(to: address).get()
            listener.bound(channel)
        } catch { throw Self.socketError(error) }
        owners.watch(process.pid, listener)
        return listener
    }

    /// Connects to `host`:`port` within `timeout` (`gen_tcp:connect`); the
    /// calling process owns the socket. `host` is an IP address or a name,
    /// resolved by NIO (getaddrinfo, off the event loop; IPv6 and IPv4 raced).
    /// - Throws: ``SocketError`` (`econnrefused`, `timeout`, `badarg`, `nxdomain`, …).
    public func connect(host: String, port: Int, options: TCPOptions = TCPOptions(), timeout: Duration = .seconds(5),
                        process: any ProcessContext) async throws -> Socket {
        try options.packet.validate()
        guard (1...65_535).contains(port) else { throw SocketError.badArgument("port \(port)") }
        guard !host.isEmpty, host.utf8.count <= 253, !host.contains(where: { $0.isWhitespace || $0 == "\0" }) else {
            throw SocketError.badArgument("host \(host)")
        }
        let address = try? SocketAddress(ipAddress: host, port: port)
        let owner = process.pid
        let packet = options.packet
        let made = SocketSlot()
        var bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.nanoseconds(Int64(clamping: timeout.components.seconds * 1_000_000_000
                + timeout.components.attoseconds / 1_000_000_000)))
            .channelOption(ChannelOptions.autoRead, value: false)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
        for (option, value) in Self.childOptions(options) { bootstrap = bootstrap.channelOption(option, value: value) }
        bootstrap = bootstrap.channelInitializer { channel in
            let handler = TCPSocketHandler(packet: packet, allocator: channel.allocator)
            let socket = TCPSocket(channel: channel, packet: packet, owner: owner, tcp: self)
            handler.socket = socket
            made.value.withLock { $0 = socket }
            return channel.pipeline.addHandler(handler)
        }
        do {
            let channel = try await (address.map { bootstrap.connect(to: $0) } ?? bootstrap.connect(host: host, port: port)).get()
            if let seconds = options.linger, let provider = channel as? any SocketOptionProvider {
                try await provider.setSoLinger(linger(l_onoff: 1, l_linger: Int32(clamping: seconds))).get()
            }
        } catch { throw Self.socketError(error) }
        guard let socket = made.value.withLock({ $0 }) else { throw SocketError.closed }
        owners.watch(owner, socket)
        socket.setActive(options.active)
        return socket.socket
    }

    /// The per-connection socket options as NIO options.
    static func childOptions(_ o: TCPOptions) -> [(ChannelOptions.Types.SocketOption, SocketOptionValue)] {
        var out: [(ChannelOptions.Types.SocketOption, SocketOptionValue)] = [
            (ChannelOptions.socketOption(.tcp_nodelay), o.nodelay ? 1 : 0),
            (ChannelOptions.socketOption(.so_keepalive), o.keepalive ? 1 : 0),
        ]
        if let r = o.receiveBuffer { out.append((ChannelOptions.socketOption(.so_rcvbuf), SocketOptionValue(clamping: r))) }
        if let s = o.sendBuffer { out.append((ChannelOptions.socketOption(.so_sndbuf), SocketOptionValue(clamping: s))) }
        return out
    }
}

/// Hands the socket made in a channel initialiser back to `connect`.
private final class SocketSlot: Sendable {
    let value = Mutex<TCPSocket?>(nil)
}
