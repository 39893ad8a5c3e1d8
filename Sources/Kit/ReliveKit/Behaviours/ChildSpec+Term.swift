extension ChildSpec {
    /// The spec as OTP writes a child spec map:
    /// `#{id => Id, start => {Module, Args} | {Module, Args, Name}, restart => R,
    /// shutdown => brutal_kill | Ms | infinity, type => T, modules => [M]}`.
    /// Nil when the child starts through a Swift function, which has no Term form.
    public var term: Term? {
        guard case .module(let module, let args, let name) = start else { return nil }
        var startTerm: [Term] = [.atom(module), args]
        if let name { startTerm.append(.atom(name)) }
        let shutdownTerm: Term
        switch shutdown {
        case .brutalKill: shutdownTerm = .atom("brutal_kill")
        case .infinity: shutdownTerm = .atom("infinity")
        case .timeout(let d):
            let ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
            shutdownTerm = .int(Int(ms))
        }
        return .map(TermMap([
            .atom("id"): id,
            .atom("start"): .tuple(startTerm),
            .atom("restart"): .atom(restart.rawValue),
            .atom("shutdown"): shutdownTerm,
            .atom("type"): .atom(type.rawValue),
            .atom("modules"): .list(modules.map(Term.atom)),
        ]))
    }

    /// Reads a child spec map (OTP's defaults for missing keys).
    /// - Throws: ``ChildSpecError`` naming the bad field.
    public init(term: Term) throws {
        guard case .map(let map) = term else { throw ChildSpecError.notAMap(term) }
        guard let id = map[.atom("id")] else { throw ChildSpecError.missing("id") }
        guard case .tuple(let s)? = map[.atom("start")], s.count == 2 || s.count == 3, case .atom(let module) = s[0] else {
            throw ChildSpecError.bad("start", map[.atom("start")] ?? .undefined)
        }
        var name: Atom? = nil
        if s.count == 3 {
            guard case .atom(let n) = s[2] else { throw ChildSpecError.bad("start", .tuple(s)) }
            name = n
        }
        var restart = Restart.permanent
        if let r = map[.atom("restart")] {
            guard case .atom(let a) = r, let value = Restart(rawValue: a.name) else { throw ChildSpecError.bad("restart", r) }
            restart = value
        }
        var type = ChildType.worker
        if let t = map[.atom("type")] {
            guard case .atom(let a) = t, let value = ChildType(rawValue: a.name) else { throw ChildSpecError.bad("type", t) }
            type = value
        }
        var shutdown: Shutdown? = nil
        if let sd = map[.atom("shutdown")] {
            switch sd {
            case .atom(let a) where a.name == "brutal_kill": shutdown = .brutalKill
            case .atom(let a) where a.name == "infinity": shutdown = .infinity
            case .int(let ms) where ms >= 0: shutdown = .timeout(.milliseconds(ms))
            default: throw ChildSpecError.bad("shutdown", sd)
            }
        }
        var modules: [Atom]? = nil
        if let m = map[.atom("modules")] {
            if m == .atom("dynamic") {
                modules = []
            } else {
                guard case .list(let items) = m else { throw ChildSpecError.bad("modules", m) }
                modules = try items.map { item in
                    guard case .atom(let a) = item else { throw ChildSpecError.bad("modules", m) }
                    return a
                }
            }
        }
        self.init(id: id, start: .module(module, args: s[1], name: name), restart: restart,
                  shutdown: shutdown, type: type, modules: modules)
    }
}

/// A child spec Term that cannot be read.
public enum ChildSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    case notAMap(Term)
    case missing(String)
    case bad(String, Term)
    /// A spec that starts through a Swift function cannot travel in a message.
    case notSendable

    public var description: String {
        switch self {
        case .notAMap(let t): "a child spec must be a map, got \(t)"
        case .missing(let key): "child spec has no \(key)"
        case .bad(let key, let value): "child spec has a bad \(key): \(value)"
        case .notSendable: "a child spec that starts through a Swift function cannot be sent to a supervisor; use .module"
        }
    }
}
