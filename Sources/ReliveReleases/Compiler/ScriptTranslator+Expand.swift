import ReliveKit

extension ScriptTranslator {
    /// OTP's short forms, expanded to full instructions with OTP's defaults
    /// (systools_rc `expand_script/1`). A list in place of an instruction is
    /// spliced in as it is.
    static func expand(_ script: [Term]) -> [Term] {
        var out: [Term] = []
        let brutal = Term.atom("brutal_purge")
        for i in script {
            if let spliced = i.erlangList {
                out += spliced
                continue
            }
            guard case .tuple(let e) = i, let tag = i.tag else { out.append(i); continue }
            func isChange(_ t: Term) -> Bool { t.arity != nil || t.isAtom("soft") }
            switch (tag, e.count) {
            case ("load_module", 2):
                out.append(.tuple([e[0], e[1], brutal, brutal, .list([])]))
            case ("load_module", 3) where e[2].erlangList != nil:
                out.append(.tuple([e[0], e[1], brutal, brutal, e[2]]))
            case ("update", 2):
                out.append(.tuple([e[0], e[1], .atom("soft"), brutal, brutal, .list([])]))
            case ("update", 3) where e[2].isAtom("supervisor"):
                out.append(.tuple([e[0], e[1], .atom("static"), .atom("default"),
                                   .tuple([.atom("advanced"), .list([])]), brutal, brutal, .list([])]))
            case ("update", 3) where isChange(e[2]):
                out.append(.tuple([e[0], e[1], e[2], brutal, brutal, .list([])]))
            case ("update", 3) where e[2].erlangList != nil:
                out.append(.tuple([e[0], e[1], .atom("soft"), brutal, brutal, e[2]]))
            case ("update", 4) where isChange(e[2]) && e[3].erlangList != nil:
                out.append(.tuple([e[0], e[1], e[2], brutal, brutal, e[3]]))
            case ("add_application", 2):
                out.append(.tuple([e[0], e[1], .atom("permanent")]))
            default:
                out.append(i)
            }
        }
        return out
    }

    /// Full forms of `update`, `add_module` and `delete_module` (systools_rc `normalize_instrs/1`).
    static func normalize(_ i: Term) -> Term {
        guard case .tuple(let e) = i, let tag = i.tag else { return i }
        switch (tag, e.count) {
        case ("update", 6):
            return .tuple([e[0], e[1], .atom("dynamic"), .atom("default"), e[2], e[3], e[4], e[5]])
        case ("update", 7):
            return .tuple([e[0], e[1], .atom("dynamic"), e[2], e[3], e[4], e[5], e[6]])
        case ("add_module", 2), ("delete_module", 2):
            return .tuple([e[0], e[1], .list([])])
        default:
            return i
        }
    }
}
