import NIOCore
import ReliveKit

/// The channel handler of one connection: frames what is read and hands the
/// frames to its ``TCPSocket``; reads again only when the socket says so.
final class TCPSocketHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private var framer: TCPFramer
    /// Set once the socket exists (right after the channel is initialised).
    var socket: TCPSocket?
    private var failed = false

    init(packet: TCPPacket, allocator: ByteBufferAllocator) {
        framer = TCPFramer(packet: packet, allocator: allocator)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed, let socket else { return }
        var bytes = unwrapInboundIn(data)
        let (frames, error) = framer.feed(&bytes)
        socket.received(frames, framerBytes: error == nil ? framer.bufferedBytes : 0)
        if let error {
            // A frame over the limit: tell the owner (after the good frames
            // before it) and close this connection only.
            failed = true
            socket.ended(error)
            context.close(promise: nil)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        // A read asked for before the channel was active was dropped by NIO: ask again.
        if let socket, socket.readCompleted() { context.read() }
        context.fireChannelActive()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let socket, !failed, socket.readCompleted() { context.read() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        socket?.ended(nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        socket?.ended(TCP.socketError(error))
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The peer shut its write side down (half-closure is allowed so that
        // the owner may still send): the owner sees `tcp_closed` after the data.
        if let event = event as? ChannelEvent, event == .inputClosed {
            socket?.ended(nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
