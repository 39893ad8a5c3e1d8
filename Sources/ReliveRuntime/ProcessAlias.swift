@_spi(Runtime) import ReliveKit
import Synchronization

/// A process alias (Erlang's `alias/0`): a pid-like address that forwards to
/// its owner's mailbox only while active.
///
/// A call sends its request with a fresh alias as the reply address and
/// deactivates it when the call ends, so a reply that arrives after the call
/// timed out is dropped instead of lingering in the caller's mailbox.
final class ProcessAlias: ProcessEndpoint, @unchecked Sendable {
    private let owner: LocalProcess
    private let active = Atomic<Bool>(true)

    init(owner: LocalProcess, serial: UInt64) {
        self.owner = owner
        super.init(node: owner.node, serial: serial)
    }

    override func deliver(_ message: Term) {
        if active.load(ordering: .acquiring) { owner.deliver(message) }
    }

    func deactivate() { active.store(false, ordering: .releasing) }
}

extension LocalProcess {
    /// A new alias of this process: messages sent to it arrive in this
    /// process's mailbox until ``unalias(_:)``.
    public func alias() -> Pid {
        Pid(ProcessAlias(owner: self, serial: runtime.nextSerial()))
    }

    /// Deactivates an alias made by ``alias()``; later messages to it are dropped.
    public func unalias(_ alias: Pid) {
        (alias.process as? ProcessAlias)?.deactivate()
    }
}
