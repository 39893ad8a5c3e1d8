import ReliveKit

extension ScriptTranslator {
    /// Translates `update`, `load_module` and `delete_module` to low-level
    /// instructions, one DepMods group at a time, at the place of the group's
    /// first instruction (systools_rc `translate_dependent_instrs/4`).
    func translateDependentInstructions(before: [Term], after: [Term]) throws(RelupError) -> ([Term], [Term]) {
        let graph = try DependencyGraph(after)
        var remaining = after[...]
        var newBefore: [Term] = [], newAfter: [Term] = []
        while let i = remaining.first {
            guard DependencyGraph.isDependent(i), case .atom(let mod) = i.at(1) else {
                newAfter.append(i)
                remaining = remaining.dropFirst()
                continue
            }
            let group = try graph.group(of: mod)
            let (b, a) = try lowLevel(group)
            newBefore += b
            newAfter += a
            remaining = ArraySlice(ScriptTranslator.difference(Array(remaining), group))
        }
        return (before + newBefore, newAfter)
    }

    /// One group's low-level instructions (systools_rc `translate_dep_to_low/3`).
    ///
    /// Up: suspend (dependents first), load in reverse order (dependencies
    /// first), one `code_change up` for `{advanced, Extra}` updates, resume in
    /// reverse. Down: suspend, `code_change down` for dynamic modules before
    /// loading, load in order, `code_change down` for static modules, resume.
    private func lowLevel(_ group: [Term]) throws(RelupError) -> (before: [Term], after: [Term]) {
        let updates = group.filter { $0.tag == "update" && $0.arity == 8 }
        let suspendMods: [Term] = updates.map { u in
            u.at(3).isAtom("default") ? u.at(1) : .tuple([u.at(1), u.at(3)])
        }
        let suspend: [Term] = suspendMods.isEmpty ? [] : [.tuple([.atom("suspend"), .list(suspendMods)])]
        let resume: [Term] = updates.isEmpty ? [] : [.tuple([.atom("resume"), .list(updates.reversed().map { $0.at(1) })])]

        var loadRemoveGroups: [[Term]] = []
        for i in group {
            switch (i.tag, i.arity) {
            case ("update", 8):
                loadRemoveGroups.append([.tuple([.atom("load"), .tuple([i.at(1), i.at(5), i.at(6)])])])
            case ("load_module", 5):
                loadRemoveGroups.append([.tuple([.atom("load"), .tuple([i.at(1), i.at(2), i.at(3)])])])
            case ("delete_module", 3):
                loadRemoveGroups.append([
                    .tuple([.atom("remove"), .tuple([i.at(1), .atom("brutal_purge"), .atom("brutal_purge")])]),
                    .tuple([.atom("purge"), .list([i.at(1)])]),
                ])
            default: break
            }
        }
        let loadRemove = loadRemoveGroups.flatMap { $0 }
        let reversedLoadRemove = loadRemoveGroups.reversed().flatMap { $0 }

        var objectCode: [Term] = []
        for l in loadRemove where l.tag == "load" {
            let mod = l.at(1).at(0)
            guard case .atom(let m) = mod, let app = appls.first(where: { $0.modules.contains(m) }) else {
                throw RelupError("no_such_module", mod, message: "module \(mod) is in no application of the release")
            }
            objectCode.append(.tuple([.atom("load_object_code"), .tuple([.atom(app.name), .string(app.vsn), .list([mod])])]))
        }

        func advanced(_ u: Term) -> Term? {
            let change = u.at(4)
            guard change.tag == "advanced", change.arity == 2 else { return nil }
            return .tuple([u.at(1), change.at(1)])
        }
        func codeChange(_ direction: String, _ mods: [Term]) -> [Term] {
            mods.isEmpty ? [] : [.tuple([.atom("code_change"), .atom(Atom(direction)), .list(mods)])]
        }
        switch mode {
        case .up:
            let changes = codeChange("up", updates.compactMap(advanced))
            return (objectCode, suspend + reversedLoadRemove + changes + resume)
        case .down:
            let pre = codeChange("down", updates.filter { $0.at(2).isAtom("dynamic") }.compactMap(advanced))
            let post = codeChange("down", updates.filter { $0.at(2).isAtom("static") }.compactMap(advanced))
            return (objectCode, suspend + pre + loadRemove + post + resume)
        }
    }
}
