import NIOCore
import Synchronization

/// What processes ask of one connection's event loop (writes, a read),
/// gathered so that one `execute` carries all of it: an echo's reply and its
/// next `active once` read then cost one event-loop wakeup, not two.
///
/// Order is kept: writes go out in the order they were added, and the one
/// task that drains the batch is enqueued on the loop (FIFO) before any later
/// direct write of the same connection.
final class TCPLoopBatch: Sendable {
    private struct Batch {
        var writes: [ByteBuffer] = []
        var read = false
        /// A drain task is on the loop's queue.
        var scheduled = false
    }

    private let channel: Channel
    private let batch = Mutex(Batch())

    init(channel: Channel) { self.channel = channel }

    /// Queues `buffer` to be written and flushed.
    func write(_ buffer: ByteBuffer) {
        schedule { $0.writes.append(buffer) }
    }

    /// Asks for one read.
    func read() {
        schedule { $0.read = true }
    }

    private func schedule(_ add: (inout Batch) -> Void) {
        let first = batch.withLock { b -> Bool in
            add(&b)
            defer { b.scheduled = true }
            return !b.scheduled
        }
        guard first else { return }
        if channel.eventLoop.inEventLoop { drain() } else { channel.eventLoop.execute { self.drain() } }
    }

    /// On the event loop: everything asked for since the task was scheduled.
    private func drain() {
        let (writes, read) = batch.withLock { b -> ([ByteBuffer], Bool) in
            defer { b = Batch() }
            return (b.writes, b.read)
        }
        for buffer in writes { channel.write(buffer, promise: nil) }
        if !writes.isEmpty { channel.flush() }
        if read { channel.read() }
    }
}
