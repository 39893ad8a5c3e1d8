import Foundation

/// The control socket's protocol: JSON lines, one request and one reply per
/// connection.
///
/// Request: `{"op": "status", "args": {"name": "tiny", "term": "version"}}`
/// (`args` optional, every value a string). Reply: `{"ok": true, "result": …}`
/// or `{"ok": false, "error": "usage|refused|failed", "message": "…"}`,
/// after any number of `{"progress": "…"}` lines from long operations
/// (an upgrade's steps and health window).
/// Operations are plain requests, so anything that can write a line to the
/// socket (the tool, a script, a later fleet coordinator) drives a node the same way.
public enum ControlProtocol {
    /// Longest request or reply line accepted.
    public static let lineLimit = 1 << 20

    public static func request(_ op: String, _ args: [String: String]) -> [UInt8] {
        line(["op": op, "args": args])
    }

    public static func success(_ result: Any) -> [UInt8] {
        line(["ok": true, "result": result])
    }

    public static func progress(_ text: String) -> [UInt8] {
        line(["progress": text])
    }

    /// The progress text of a line, nil for a reply.
    public static func parseProgress(_ bytes: [UInt8]) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else { return nil }
        return object["progress"] as? String
    }

    public static func failure(_ error: NodeError) -> [UInt8] {
        line(["ok": false, "error": error.kind.rawValue, "message": error.message])
    }

    /// Parses a request line.
    /// - Throws: ``NodeError`` (`usage`) for anything but an object with a string `op`.
    public static func parseRequest(_ bytes: [UInt8]) throws(NodeError) -> (op: String, args: [String: String]) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any],
              let op = object["op"] as? String else {
            throw NodeError(.usage, "a request is one JSON object with a string \"op\"")
        }
        let raw = object["args"] as? [String: Any] ?? [:]
        var args: [String: String] = [:]
        for (key, value) in raw {
            guard let text = value as? String else { throw NodeError(.usage, "argument \(key) is not a string") }
            args[key] = text
        }
        return (op, args)
    }

    /// Parses a reply line into its result.
    /// - Throws: the reply's ``NodeError``, or `failed` for a malformed reply.
    public static func parseReply(_ bytes: [UInt8]) throws(NodeError) -> Any {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any],
              let ok = object["ok"] as? Bool else {
            throw NodeError(.failed, "malformed reply from the node")
        }
        if ok { return object["result"] ?? NSNull() }
        let kind = NodeError.Kind(rawValue: object["error"] as? String ?? "") ?? .failed
        throw NodeError(kind, object["message"] as? String ?? "the node refused without a reason")
    }

    private static func line(_ object: [String: Any]) -> [UInt8] {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Array(data) + [UInt8(ascii: "\n")]
    }
}
