/// Sends one request to a node's control socket and returns its result.
public enum ControlClient {
    /// - Parameters:
    ///   - root: the node's install root (its socket is `run/control.sock`).
    ///   - timeout: seconds to wait for each line (a hung node does not hang the caller).
    ///   - progress: receives the node's progress lines before the reply.
    /// - Throws: ``NodeError``: `notRunning` when nothing listens, `refused`
    ///   for another user, or the node's own error.
    public static func request(root: InstallRoot, _ op: String, _ args: [String: String] = [:],
                               timeout: Int = 120, progress: (String) -> Void = { _ in }) throws(NodeError) -> Any {
        let socket = try UnixSocket.connect(path: root.controlSocket)
        defer { socket.close() }
        socket.setReceiveTimeout(seconds: timeout)
        // A node that refuses this peer answers at once and closes, possibly
        // before the request is written (EPIPE): its reply is still there to read.
        let writeError: NodeError?
        do { try socket.write(ControlProtocol.request(op, args)); writeError = nil } catch { writeError = error }
        while true {
            let line: [UInt8]
            do { line = try socket.readLine(limit: ControlProtocol.lineLimit) } catch {
                throw writeError ?? NodeError(.failed, "no reply from the node to \(op): \(error)")
            }
            if let text = ControlProtocol.parseProgress(line) { progress(text); continue }
            return try ControlProtocol.parseReply(line)
        }
    }
}
