import ReliveKit

extension RelupInstruction {
    /// Reads a low-level instruction.
    ///
    /// - Throws: ``RelupError`` `bad_instruction` (with the term) for anything
    ///   that is not a well-formed low-level instruction, including OTP's
    ///   high-level ones (`update`, `load_module`, ...), which a relup never holds.
    public init(term: Term) throws(RelupError) {
        let bad = RelupError("bad_instruction", term, message: "\(term) is not a low-level relup instruction")
        func atoms(_ t: Term) throws(RelupError) -> [Atom] {
            guard let list = t.erlangList else { throw bad }
            var out: [Atom] = []
            for e in list {
                guard case .atom(let a) = e else { throw bad }
                out.append(a)
            }
            return out
        }
        func atom(_ t: Term) throws(RelupError) -> Atom {
            guard case .atom(let a) = t else { throw bad }
            return a
        }
        func purge(_ t: Term) throws(RelupError) -> PurgeMethod {
            guard case .atom(let a) = t, let p = PurgeMethod(rawValue: a.name) else { throw bad }
            return p
        }
        func timeout(_ t: Term) throws(RelupError) -> Timeout {
            if t.isAtom("default") { return .default }
            if t.isAtom("infinity") { return .infinity }
            guard case .int(let n) = t, n > 0 else { throw bad }
            return .milliseconds(n)
        }
        func moduleSpec(_ t: Term) throws(RelupError) -> (Atom, PurgeMethod, PurgeMethod) {
            guard case .tuple(let e) = t, e.count == 3 else { throw bad }
            return (try atom(e[0]), try purge(e[1]), try purge(e[2]))
        }
        func mfa(_ t: Term) throws(RelupError) -> (Atom, Atom, [Term]) {
            guard case .tuple(let e) = t, e.count == 3, let args = e[2].erlangList else { throw bad }
            return (try atom(e[0]), try atom(e[1]), args)
        }
        switch term {
        case .atom(let a):
            switch a.name {
            case "point_of_no_return": self = .pointOfNoReturn
            case "restart_new_emulator": self = .restartNewEmulator
            case "restart_emulator": self = .restartEmulator
            case "restart", "reboot": self = .other(a)
            default: throw bad
            }
        case .tuple(let e):
            switch (term.tag, e.count) {
            case ("load_object_code", 2):
                guard case .tuple(let l) = e[1], l.count == 3, let vsn = l[1].erlangString else { throw bad }
                self = .loadObjectCode(application: try atom(l[0]), vsn: vsn, modules: try atoms(l[2]))
            case ("load", 2):
                let (m, pre, post) = try moduleSpec(e[1])
                self = .load(module: m, prePurge: pre, postPurge: post)
            case ("remove", 2):
                let (m, pre, post) = try moduleSpec(e[1])
                self = .remove(module: m, prePurge: pre, postPurge: post)
            case ("purge", 2): self = .purge(modules: try atoms(e[1]))
            case ("resume", 2): self = .resume(modules: try atoms(e[1]))
            case ("stop", 2): self = .stop(modules: try atoms(e[1]))
            case ("start", 2): self = .start(modules: try atoms(e[1]))
            case ("suspend", 2):
                guard let list = e[1].erlangList else { throw bad }
                var targets: [SuspendTarget] = []
                for t in list {
                    if case .tuple(let mt) = t, mt.count == 2 {
                        targets.append(SuspendTarget(module: try atom(mt[0]), timeout: try timeout(mt[1])))
                    } else {
                        targets.append(SuspendTarget(module: try atom(t)))
                    }
                }
                self = .suspend(targets)
            case ("code_change", 2), ("code_change", 3):
                var mode: ScriptMode?
                if e.count == 3 {
                    guard case .atom(let m) = e[1], let parsed = ScriptMode(rawValue: m.name) else { throw bad }
                    mode = parsed
                }
                guard let list = e[e.count - 1].erlangList else { throw bad }
                var changes: [CodeChange] = []
                for c in list {
                    guard case .tuple(let ce) = c, ce.count == 2 else { throw bad }
                    changes.append(CodeChange(module: try atom(ce[0]), extra: ce[1]))
                }
                self = .codeChange(mode: mode, changes: changes)
            case ("sync_nodes", 3):
                if case .tuple(let f) = e[2], f.count == 3 {
                    let (m, fn, args) = try mfa(e[2])
                    self = .syncNodes(id: e[1], nodes: .function(module: m, function: fn, arguments: args))
                } else {
                    self = .syncNodes(id: e[1], nodes: .nodes(try atoms(e[2])))
                }
            case ("apply", 2):
                let (m, f, args) = try mfa(e[1])
                self = .apply(module: m, function: f, arguments: args)
            default: throw bad
            }
        default: throw bad
        }
    }

    /// The instruction as a relup term.
    public var term: Term {
        func mods(_ ms: [Atom]) -> Term { .list(ms.map { .atom($0) }) }
        func tagged(_ tag: String, _ rest: Term...) -> Term { .tuple([.atom(Atom(tag))] + rest) }
        func spec(_ m: Atom, _ pre: PurgeMethod, _ post: PurgeMethod) -> Term {
            .tuple([.atom(m), .atom(Atom(pre.rawValue)), .atom(Atom(post.rawValue))])
        }
        switch self {
        case .loadObjectCode(let app, let vsn, let modules):
            return tagged("load_object_code", .tuple([.atom(app), .string(vsn), mods(modules)]))
        case .pointOfNoReturn: return .atom("point_of_no_return")
        case .load(let m, let pre, let post): return tagged("load", spec(m, pre, post))
        case .remove(let m, let pre, let post): return tagged("remove", spec(m, pre, post))
        case .purge(let ms): return tagged("purge", mods(ms))
        case .resume(let ms): return tagged("resume", mods(ms))
        case .stop(let ms): return tagged("stop", mods(ms))
        case .start(let ms): return tagged("start", mods(ms))
        case .suspend(let targets):
            return tagged("suspend", .list(targets.map { t in
                switch t.timeout {
                case nil: .atom(t.module)
                case .default?: .tuple([.atom(t.module), .atom("default")])
                case .infinity?: .tuple([.atom(t.module), .atom("infinity")])
                case .milliseconds(let n)?: .tuple([.atom(t.module), .int(n)])
                }
            }))
        case .codeChange(let mode, let changes):
            let list = Term.list(changes.map { .tuple([.atom($0.module), $0.extra]) })
            if let mode { return tagged("code_change", .atom(Atom(mode.rawValue)), list) }
            return tagged("code_change", list)
        case .syncNodes(let id, .nodes(let nodes)): return tagged("sync_nodes", id, mods(nodes))
        case .syncNodes(let id, .function(let m, let f, let args)):
            return tagged("sync_nodes", id, .tuple([.atom(m), .atom(f), .list(args)]))
        case .apply(let m, let f, let args): return tagged("apply", .tuple([.atom(m), .atom(f), .list(args)]))
        case .restartNewEmulator: return .atom("restart_new_emulator")
        case .restartEmulator: return .atom("restart_emulator")
        case .other(let a): return .atom(a)
        }
    }
}
