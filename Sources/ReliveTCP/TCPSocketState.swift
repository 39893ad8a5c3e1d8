import ReliveKit

/// What the owner and the event loop share about one socket (behind
/// ``TCPSocket/state``). Its events return the deliveries to make, so the
/// rules (active counts, frames before `tcp_closed`, recv replies) live here.
struct TCPSocketState {
    enum End {
        case closed
        case error(SocketError)
        var error: SocketError {
            if case .error(let e) = self { return e }
            return .closed
        }
    }
    struct Waiter {
        let ref: Ref
        let pid: Pid
        let length: Int
    }
    enum Delivery {
        case data([UInt8])
        case passive
        case closed
        case error(String)
        case reply(Waiter, Result<[UInt8], SocketError>)
    }

    var owner: Pid
    var active: SocketActive = .passive
    /// Frames read and not yet delivered, oldest first (`head` is the next).
    var pending: [[UInt8]] = []
    var head = 0
    var pendingBytes = 0
    var framerBytes = 0
    /// How the connection ended, once the event loop saw it.
    var end: End? = nil
    var endDelivered = false
    var waiter: Waiter? = nil
    var readRequested = false
    var closedByOwner = false
    var sendClosed = false
    /// `{tcp_passive, S}` owed because `setActive(.count(≤0))` was asked.
    var passiveOwed = false

    init(owner: Pid) { self.owner = owner }

    var hasPending: Bool { head < pending.count }

    mutating func setActive(_ mode: SocketActive) {
        switch mode {
        case .count(let n):
            let current = if case .count(let c) = active { c } else { 0 }
            let total = current.addingReportingOverflow(n)
            let sum = total.overflow ? (n > 0 ? Int.max : Int.min) : total.partialValue
            if sum <= 0 { active = .passive; passiveOwed = true } else { active = .count(sum) }
        default:
            active = mode
        }
    }

    /// Whether the socket should read more: someone wants data, none is waiting.
    var wantsRead: Bool {
        guard end == nil, !closedByOwner else { return false }
        if waiter != nil { return true }
        return active != .passive && !hasPending
    }

    /// Takes `length` bytes (0: one frame) from the pending frames, if there.
    mutating func take(_ length: Int) -> [UInt8]? {
        guard hasPending else { return nil }
        if length == 0 { return popFrame() }
        guard pendingBytes >= length else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(length)
        while out.count < length, let frame = popFrame() {
            let need = length - out.count
            if frame.count <= need { out += frame } else {
                out += frame[..<need]
                head -= 1
                pending[head] = Array(frame[need...])
                pendingBytes += frame.count - need
            }
        }
        return out
    }

    private mutating func popFrame() -> [UInt8]? {
        guard hasPending else { return nil }
        let frame = pending[head]
        pending[head] = []
        head += 1
        pendingBytes -= frame.count
        if head == pending.count { pending.removeAll(keepingCapacity: true); head = 0 }
        else if head >= 64 { pending.removeFirst(head); head = 0 }
        return frame
    }

    /// The deliveries the current state allows, in order.
    mutating func drain() -> [Delivery] {
        var out: [Delivery] = []
        if closedByOwner { return out }
        if passiveOwed { passiveOwed = false; out.append(.passive) }
        if let w = waiter, let bytes = take(w.length) {
            waiter = nil
            out.append(.reply(w, .success(bytes)))
        }
        while active != .passive, let frame = popFrame() {
            out.append(.data(frame))
            switch active {
            case .once: active = .passive
            case .count(let n):
                if n <= 1 { active = .passive; out.append(.passive) } else { active = .count(n - 1) }
            default: break
            }
        }
        if let end, !hasPending, !endDelivered {
            if let w = waiter {
                waiter = nil
                endDelivered = true
                out.append(.reply(w, .failure(end.error)))
            } else if active != .passive {
                endDelivered = true
                if case .error(let e) = end { out.append(.error(e.reason)) }
                out.append(.closed)
            }
        }
        return out
    }
}
