import Foundation
import Glibc
import Logging

/// The node's side of the control socket: accepts connections on a thread of
/// its own (so a busy scheduler never stops the node from being stopped or
/// inspected), refuses any peer whose uid is not the node's, and answers one
/// request per connection through `handler`.
public final class ControlServer: @unchecked Sendable {
    public typealias Handler = @Sendable (_ op: String, _ args: [String: String], _ progress: @escaping ControlProgress) async throws -> Any

    private let socket: UnixSocket
    private let path: String
    private let handler: Handler
    private let logger: Logger
    private let owner = geteuid()

    /// Listens on `root.controlSocket` (mode 0600) inside `root.runDirectory` (made 0700).
    /// - Throws: ``NodeError`` (`failed`) when the socket cannot be made.
    public init(root: InstallRoot, logger: Logger, handler: @escaping Handler) throws(NodeError) {
        try root.makeRunDirectory()
        self.path = root.controlSocket
        self.socket = try UnixSocket.listen(path: path)
        self.handler = handler
        self.logger = logger
    }

    /// Starts accepting on a new thread; returns at once.
    public func start() {
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "relive-control"
        thread.start()
    }

    /// Stops listening and removes the socket file.
    public func stop() {
        unlink(path)
        shutdown(socket.descriptor, Int32(SHUT_RDWR))
        socket.close()
    }

    private func acceptLoop() {
        while true {
            guard let connection = try? socket.accept() else { return }
            Task.detached { [self] in await serve(connection) }
        }
    }

    private func serve(_ connection: UnixSocket) async {
        defer { connection.close() }
        let reply: [UInt8]
        do {
            let peer = try connection.peer()
            guard peer.uid == owner else {
                logger.warning("control socket: refused a peer", metadata: ["uid": "\(peer.uid)", "pid": "\(peer.pid)"])
                throw NodeError(.refused, "uid \(peer.uid) is not this node's owner (uid \(owner)): refused")
            }
            connection.setReceiveTimeout(seconds: 10)
            let request = try ControlProtocol.parseRequest(try connection.readLine(limit: ControlProtocol.lineLimit))
            // Progress lines go out as they come; a client that left makes them fail quietly.
            reply = ControlProtocol.success(try await handler(request.op, request.args) { text in
                try? connection.write(ControlProtocol.progress(text))
            })
        } catch let error as NodeError {
            reply = ControlProtocol.failure(error)
        } catch {
            reply = ControlProtocol.failure(NodeError(.failed, "\(error)"))
        }
        try? connection.write(reply)
    }
}
