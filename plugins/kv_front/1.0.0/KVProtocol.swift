// The client protocol (kv_front 1.0.0): ASCII lines ending in "\n", one reply
// line per request. Keys and values are tokens without spaces, at most 256
// bytes each. (2.0.0 adds `PUT <key> <value> EX <seconds>` and `TTL <key>`;
// here they are unknown commands.)
import ReliveKit

let frontVersion = "1.0.0"

enum KVProtocol {
    /// The longest line a session reads (with its "\n"); a longer one is
    /// answered `ERR line_too_long` and the connection closed.
    static let maxLine = 1024
    /// The longest line the socket delivers (a longer one closes the
    /// connection without a reply): bounds what a session holds.
    static let frameLimit = 64 << 10
    /// The longest key or value.
    static let maxToken = 256

    /// What a line asks for.
    enum Command {
        /// Answered by the session itself.
        case reply(String)
        /// The session counter.
        case session
        /// A request for the shard owning `key` (VERSION goes to shard 0).
        case shard(key: String?, request: Term)
    }

    /// Parses one line (without its "\n"; a "\r" before it is ignored).
    /// Never traps on any bytes.
    static func parse(_ line: ArraySlice<UInt8>) -> Command {
        var line = line
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        guard let text = String(validating: line, as: UTF8.self) else { return .reply("ERR bad_encoding") }
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let verb = words.first?.uppercased() else { return .reply("ERR empty_line") }
        let args = Array(words.dropFirst())
        if let tooLong = args.first(where: { $0.utf8.count > maxToken }) {
            return .reply(tooLong == args.first ? "ERR key_too_long" : "ERR value_too_long")
        }
        switch (verb, args.count) {
        case ("PUT", 2):
            return .shard(key: args[0], request: .tuple(.atom("put"), .string(args[0]), .string(args[1])))
        case ("PUT", 4) where args[2].uppercased() == "EX":
            return .reply("ERR unknown_command")
        case ("GET", 1): return .shard(key: args[0], request: .tuple(.atom("get"), .string(args[0])))
        case ("DEL", 1): return .shard(key: args[0], request: .tuple(.atom("del"), .string(args[0])))
        case ("INCR", 1): return .shard(key: args[0], request: .tuple(.atom("incr"), .string(args[0])))
        case ("SESSION", 0): return .session
        case ("VERSION", 0): return .shard(key: nil, request: .atom("version"))
        case ("PUT", _), ("GET", _), ("DEL", _), ("INCR", _), ("SESSION", _), ("VERSION", _):
            return .reply("ERR wrong_arguments")
        default:
            return .reply("ERR unknown_command")
        }
    }

    /// The reply line for a shard's answer.
    static func format(_ reply: Term) -> String {
        if reply == .atom("ok") { return "OK" }
        if reply == .atom("none") { return "NONE" }
        switch (reply[element: 0]?.atomValue?.name, reply[element: 1]) {
        case ("value"?, .string(let v)?): return "VALUE \(v)"
        case ("version"?, .string(let store)?): return "VERSION \(frontVersion) \(store)"
        case ("error"?, .atom(let reason)?): return "ERR \(reason.name)"
        default: return "ERR bad_reply"
        }
    }

    /// The shard that owns `key`: FNV-1a (64-bit) of its UTF-8 bytes, mod
    /// the shard count. Stable across versions and restarts.
    static func shard(of key: String, shards: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(max(1, shards)))
    }
}
