/// Where the reply to a call goes: the caller's reply alias and the call's tag
/// (OTP's `From`, `{Pid, Tag}`).
@frozen
public struct CallFrom: Sendable, Hashable, CustomStringConvertible {
    /// The caller's alias for this call; dropped once the call ends, so a
    /// late reply vanishes instead of reaching the caller's mailbox.
    public let replyTo: Pid
    /// The call's unique tag; the reply is `{Tag, Reply}`.
    public let tag: Ref

    public init(replyTo: Pid, tag: Ref) {
        self.replyTo = replyTo
        self.tag = tag
    }

    /// Reads `{Pid, Ref}`, or nil for anything else.
    public init?(_ term: Term) {
        guard case .tuple(let e) = term, e.count == 2, case .pid(let pid) = e[0], case .ref(let ref) = e[1] else { return nil }
        self.init(replyTo: pid, tag: ref)
    }

    /// `{Pid, Ref}`.
    public var term: Term { .tuple([.pid(replyTo), .ref(tag)]) }

    /// Sends `reply` to the caller (gen_server:reply/2). Safe to call from any
    /// process, at any time; a reply to a call that ended is dropped.
    public func reply(_ reply: Term) {
        replyTo.send(.tuple([.ref(tag), reply]))
    }

    public var description: String { term.description }
}
