import NIOCore
import NIOPosix
import ReliveKit
#if canImport(Glibc)
import Glibc
#endif

extension TCP {
    /// A NIO or OS error as a ``SocketError`` with gen_tcp's reason atom.
    static func socketError(_ error: any Error) -> SocketError {
        if let e = error as? SocketError { return e }
        if let e = error as? IOError { return .system(reason: errnoName(e.errnoCode), message: "\(e)") }
        if let e = error as? NIOConnectionError {
            if let first = e.connectionErrors.first { return socketError(first.error) }
            // No address to try: the name did not resolve.
            return .system(reason: "nxdomain", message: "\(e.host) does not resolve")
        }
        if let e = error as? ChannelError {
            switch e {
            case .connectTimeout: return .timeout
            case .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed, .eof: return .closed
            default: return .system(reason: "einval", message: "\(e)")
            }
        }
        return .system(reason: "unknown", message: "\(error)")
    }

    /// A reason name (from a recv reply) as a ``SocketError``.
    static func error(named name: String) -> SocketError {
        switch name {
        case "closed": .closed
        case "timeout": .timeout
        case "emsgsize": .emsgsize
        default: .system(reason: name, message: name)
        }
    }

    /// errno's Erlang name (`econnreset`, …).
    static func errnoName(_ code: CInt) -> String {
        switch code {
        case ECONNREFUSED: "econnrefused"
        case ECONNRESET: "econnreset"
        case ECONNABORTED: "econnaborted"
        case EPIPE: "epipe"
        case ETIMEDOUT: "etimedout"
        case EADDRINUSE: "eaddrinuse"
        case EADDRNOTAVAIL: "eaddrnotavail"
        case ENETUNREACH: "enetunreach"
        case EHOSTUNREACH: "ehostunreach"
        case EACCES: "eacces"
        case EINVAL: "einval"
        case EMFILE: "emfile"
        case ENOBUFS: "enobufs"
        default: "errno_\(code)"
        }
    }
}
