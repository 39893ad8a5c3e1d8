import Foundation
import Glibc
import Logging
import Synchronization

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
            // Each connection's blocking reads and writes happen on a thread
            // of its own, never on the node's scheduler threads (a client that
            // stalls must not hold a worker); only the handler runs as a task.
            let thread = Thread { [self] in serve(connection) }
            thread.name = "relive-control-conn"
            thread.start()
        }
    }

    private func serve(_ connection: UnixSocket) {
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
            reply = try run(request.op, request.args, connection)
        } catch let error as NodeError {
            reply = ControlProtocol.failure(error)
        } catch {
            reply = ControlProtocol.failure(NodeError(.failed, "\(error)"))
        }
        try? connection.write(reply)
    }

    /// Runs the handler as a task and waits for it on this (connection) thread.
    private func run(_ op: String, _ args: [String: String], _ connection: UnixSocket) throws -> [UInt8] {
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<[UInt8], any Error>?>(nil)
        Task { [handler] in
            let result: Result<[UInt8], any Error>
            do {
                // Progress is best effort: never blocks the task on a slow reader.
                let value = try await handler(op, args) { text in connection.writeIfRoom(ControlProtocol.progress(text)) }
                result = .success(ControlProtocol.success(value))
            } catch {
                result = .failure(error)
            }
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        guard let result = outcome.withLock({ $0 }) else { throw NodeError(.failed, "the operation ended without a result") }
        return try result.get()
    }
}
