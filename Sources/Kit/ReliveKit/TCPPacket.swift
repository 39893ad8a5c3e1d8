/// gen_tcp's `{packet, Type}`: how the byte stream is cut into messages.
/// Frozen: the packet modes are a closed set (the TCP module switches over them).
@frozen
public enum TCPPacket: Sendable, Hashable {
    /// `raw` / `0`: bytes as they arrive, no framing.
    case raw
    /// `1`, `2`, `4`: a big-endian length header of that many bytes, then the
    /// frame; frames longer than `maxSize` (and than the header can say) are
    /// refused (`emsgsize`).
    case length(headerBytes: Int, maxSize: Int)
    /// `line`: frames end with `\n` (which stays in the frame); a line longer
    /// than `maxLength` without a newline is refused (`emsgsize`).
    case line(maxLength: Int)

    /// `{packet, 4}` with a 64 MiB limit.
    public static let length4 = TCPPacket.length(headerBytes: 4, maxSize: 64 << 20)

    /// The largest frame this option allows.
    public var limit: Int {
        switch self {
        case .raw: Int.max
        case .length(let h, let max): Swift.min(max, h >= 8 ? Int.max : (1 << (8 * h)) - 1)
        case .line(let max): max
        }
    }

    /// Checks the option itself (header of 1, 2 or 4 bytes, positive limits).
    /// - Throws: ``SocketError/badArgument(_:)`` naming the bad part.
    public func validate() throws {
        switch self {
        case .raw: return
        case .length(let h, let max):
            guard [1, 2, 4].contains(h) else { throw SocketError.badArgument("packet header of \(h) bytes (1, 2 or 4)") }
            guard max > 0 else { throw SocketError.badArgument("packet maxSize \(max)") }
        case .line(let max):
            guard max > 0 else { throw SocketError.badArgument("line maxLength \(max)") }
        }
    }
}
