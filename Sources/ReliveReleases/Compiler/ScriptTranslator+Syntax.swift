import ReliveKit

extension ScriptTranslator {
    /// Checks every instruction's form, in order, with OTP's error names
    /// (systools_rc `check_op/1`): bad_module, bad_change, bad_mod_type,
    /// bad_purge_method, bad_list, bad_timeout, bad_mode, bad_code_change,
    /// bad_application, bad_start_type, bad_lib, bad_lib_vsn, bad_func,
    /// bad_args_list, bad_node, not_yet_implemented, bad_instruction.
    static func checkSyntax(_ script: [Term]) throws(RelupError) {
        for i in script { try checkInstruction(i) }
    }

    private static func fail(_ name: String, _ t: Term, _ what: String) -> RelupError {
        RelupError(name, t, message: "\(t) \(what)")
    }

    private static func mod(_ t: Term) throws(RelupError) {
        guard case .atom = t else { throw fail("bad_module", t, "is not a module (should be an atom)") }
    }

    private static func change(_ t: Term) throws(RelupError) {
        if t.isAtom("soft") { return }
        if t.tag == "advanced", t.arity == 2 { return }
        throw fail("bad_change", t, "is not a change spec (should be soft | {advanced, Extra})")
    }

    private static func modType(_ t: Term) throws(RelupError) {
        guard t.isAtom("static") || t.isAtom("dynamic") else {
            throw fail("bad_mod_type", t, "is not a module type (should be static | dynamic)")
        }
    }

    private static func purge(_ t: Term) throws(RelupError) {
        guard t.isAtom("soft_purge") || t.isAtom("brutal_purge") else {
            throw fail("bad_purge_method", t, "is not a purge method (should be soft_purge | brutal_purge)")
        }
    }

    private static func list(_ t: Term) throws(RelupError) -> [Term] {
        guard let e = t.erlangList else { throw fail("bad_list", t, "is not a list") }
        return e
    }

    private static func mods(_ t: Term) throws(RelupError) {
        for m in try list(t) { try mod(m) }
    }

    private static func timeout(_ t: Term) throws(RelupError) {
        if t.isAtom("default") || t.isAtom("infinity") { return }
        if case .int(let n) = t, n > 0 { return }
        throw fail("bad_timeout", t, "is not a timeout (should be default | infinity | an integer > 0)")
    }

    private static func atom(_ t: Term, _ name: String, _ what: String) throws(RelupError) {
        guard case .atom = t else { throw fail(name, t, "is not \(what) (should be an atom)") }
    }

    private static func mfa(_ t: Term) throws(RelupError) {
        try mod(t.at(0))
        try atom(t.at(1), "bad_func", "a function")
        guard t.at(2).erlangList != nil else { throw fail("bad_args_list", t.at(2), "is not an argument list") }
    }

    private static func checkInstruction(_ i: Term) throws(RelupError) {
        switch i {
        case .atom(let a):
            switch a.name {
            case "restart", "reboot", "point_of_no_return", "restart_new_emulator", "restart_emulator": return
            case "mnesia_backup":
                throw RelupError("not_yet_implemented", i, message: "mnesia_backup is not implemented")
            default: break
            }
        case .tuple(let e):
            switch (i.tag, e.count) {
            case ("update", 6):
                try mod(e[1]); try change(e[2]); try purge(e[3]); try purge(e[4]); try mods(e[5])
                return
            case ("update", 7):
                try mod(e[1]); try timeout(e[2]); try change(e[3]); try purge(e[4]); try purge(e[5]); try mods(e[6])
                return
            case ("update", 8):
                try mod(e[1]); try modType(e[2]); try timeout(e[3]); try change(e[4])
                try purge(e[5]); try purge(e[6]); try mods(e[7])
                return
            case ("load_module", 5):
                try mod(e[1]); try purge(e[2]); try purge(e[3]); try mods(e[4])
                return
            case ("add_module", 2), ("delete_module", 2):
                try mod(e[1])
                return
            case ("add_module", 3), ("delete_module", 3):
                try mod(e[1]); try mods(e[2])
                return
            case ("remove_application", 2), ("restart_application", 2):
                try atom(e[1], "bad_application", "an application")
                return
            case ("add_application", 3):
                try atom(e[1], "bad_application", "an application")
                guard case .atom(let t) = e[2], StartType(rawValue: t.name) != nil else {
                    throw fail("bad_start_type", e[2], "is not a start type (should be permanent | transient | temporary | load | none)")
                }
                return
            case ("load_object_code", 2):
                if case .tuple(let l) = e[1], l.count == 3 {
                    try atom(l[0], "bad_lib", "a library")
                    guard l[1].erlangList != nil else { throw fail("bad_lib_vsn", l[1], "is not a library version (should be a string)") }
                    try mods(l[2])
                    return
                }
            case ("load", 2), ("remove", 2):
                if case .tuple(let l) = e[1], l.count == 3 {
                    try mod(l[0]); try purge(l[1]); try purge(l[2])
                    return
                }
            case ("purge", 2), ("resume", 2), ("stop", 2), ("start", 2):
                try mods(e[1])
                return
            case ("suspend", 2):
                for m in try list(e[1]) {
                    if case .tuple(let mt) = m, mt.count == 2 {
                        try mod(mt[0]); try timeout(mt[1])
                    } else {
                        try mod(m)
                    }
                }
                return
            case ("code_change", 2), ("code_change", 3):
                let ms = try list(e[e.count - 1])
                if e.count == 3, !(e[1].isAtom("up") || e[1].isAtom("down")) {
                    throw fail("bad_mode", e[1], "is not a mode (should be up | down)")
                }
                for m in ms {
                    guard case .tuple(let me) = m, me.count == 2 else {
                        throw fail("bad_code_change", m, "is not a code change (should be {Mod, Extra})")
                    }
                    try mod(me[0])
                }
                return
            case ("sync_nodes", 3):
                if case .tuple(let f) = e[2], f.count == 3 {
                    try mfa(e[2])
                } else {
                    for n in try list(e[2]) { try atom(n, "bad_node", "a node") }
                }
                return
            case ("apply", 2):
                if case .tuple(let f) = e[1], f.count == 3 {
                    try mfa(e[1])
                    return
                }
            default: break
            }
        default: break
        }
        throw RelupError("bad_instruction", i, message: "\(i) is not an instruction")
    }
}
