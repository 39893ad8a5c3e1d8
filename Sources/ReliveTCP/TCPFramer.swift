import NIOCore
import ReliveKit

/// Cuts the bytes read from one connection into frames (event-loop confined).
/// Untrusted input: a length header or a line past the limit gives
/// ``SocketError/emsgsize``, never a trap or an unbounded buffer.
struct TCPFramer {
    let packet: TCPPacket
    private var buffer: ByteBuffer
    /// Where the line scan stopped last time (so a long line is scanned once).
    private var scanned = 0

    init(packet: TCPPacket, allocator: ByteBufferAllocator) {
        self.packet = packet
        self.buffer = allocator.buffer(capacity: 0)
    }

    /// Bytes held while waiting for the rest of a frame.
    var bufferedBytes: Int { buffer.readableBytes }

    /// Appends `bytes` and returns the complete frames now available, and
    /// the error that stopped framing (the frames before it are still good).
    mutating func feed(_ bytes: inout ByteBuffer) -> (frames: [[UInt8]], error: SocketError?) {
        if case .raw = packet {
            return (bytes.readableBytes == 0 ? [] : [bytes.readBytes(length: bytes.readableBytes) ?? []], nil)
        }
        buffer.writeBuffer(&bytes)
        var frames: [[UInt8]] = []
        do {
            while let frame = try next() { frames.append(frame) }
        } catch {
            return (frames, error as? SocketError ?? .emsgsize)
        }
        if buffer.readerIndex > 65_536 { buffer.discardReadBytes() }
        return (frames, nil)
    }

    private mutating func next() throws -> [UInt8]? {
        switch packet {
        case .raw:
            return nil
        case .length(let header, _):
            guard buffer.readableBytes >= header else { return nil }
            var length = 0
            for i in 0..<header {
                guard let byte = buffer.getInteger(at: buffer.readerIndex + i, as: UInt8.self) else { return nil }
                length = length << 8 | Int(byte)
            }
            guard length <= packet.limit else { throw SocketError.emsgsize }
            guard buffer.readableBytes >= header + length else { return nil }
            buffer.moveReaderIndex(forwardBy: header)
            return buffer.readBytes(length: length)
        case .line(let max):
            let view = buffer.readableBytesView
            let start = view.startIndex + scanned
            if let newline = view[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let length = newline - view.startIndex + 1
                guard length <= max + 1 else { throw SocketError.emsgsize }
                scanned = 0
                return buffer.readBytes(length: length)
            }
            guard view.count <= max else { throw SocketError.emsgsize }
            scanned = view.count
            return nil
        }
    }

    /// The header for an outgoing frame of `count` bytes.
    static func header(for count: Int, packet: TCPPacket) throws -> [UInt8] {
        switch packet {
        case .raw, .line:
            if case .line(let max) = packet, count > max + 1 { throw SocketError.emsgsize }
            return []
        case .length(let h, _):
            guard count <= packet.limit else { throw SocketError.emsgsize }
            return (0..<h).map { UInt8(truncatingIfNeeded: count >> (8 * (h - 1 - $0))) }
        }
    }
}
