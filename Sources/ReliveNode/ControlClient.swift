/// Sends one request to a node's control socket and returns its result.
public enum ControlClient {
    /// - Parameters:
    ///   - root: the node's install root (its socket is `run/control.sock`).
    ///   - timeout: seconds to wait for the reply (a hung node does not hang the caller).
    /// - Throws: ``NodeError``: `notRunning` when nothing listens, `refused`
    ///   for another user, or the node's own error.
    public static func request(root: InstallRoot, _ op: String, _ args: [String: String] = [:],
                               timeout: Int = 120) throws(NodeError) -> Any {
        let socket = try UnixSocket.connect(path: root.controlSocket)
        defer { socket.close() }
        socket.setReceiveTimeout(seconds: timeout)
        // A node that refuses this peer answers at once and closes, possibly
        // before the request is written (EPIPE): its reply is still there to read.
        let writeError: NodeError?
        do { try socket.write(ControlProtocol.request(op, args)); writeError = nil } catch { writeError = error }
        let line: [UInt8]
        do { line = try socket.readLine(limit: ControlProtocol.lineLimit) } catch {
            throw writeError ?? NodeError(.failed, "no reply from the node to \(op): \(error)")
        }
        return try ControlProtocol.parseReply(line)
    }
}
