import ReliveKit

/// Turns the high-level instructions of the appups of one release change into
/// one low-level script: systools_rc's `translate_scripts/4`, step by step.
///
/// 1. expand short forms to full ones (OTP's defaults);
/// 2. merge the scripts, each split at its own `point_of_no_return`;
/// 3. check the syntax of every instruction (OTP's error names);
/// 4. normalise, split again, check loads, suspend/resume and stop/start pairs;
/// 5. translate application instructions and `add_module`;
/// 6. translate module instructions in groups linked by DepMods, in
///    dependency order;
/// 7. merge `load_object_code` to one per application, place emulator restarts.
///
/// The result always passes the syntax check again.
struct ScriptTranslator {
    let mode: ScriptMode
    /// The applications of the release the script leads to.
    let appls: [ResolvedApplication]
    /// The applications of the release the script starts from.
    let preAppls: [ResolvedApplication]

    func translate(_ scripts: [[Term]]) throws(RelupError) -> [Term] {
        let expanded = scripts.map(ScriptTranslator.expand)
        let merged = try mergeScripts(expanded)
        try ScriptTranslator.checkSyntax(merged)
        let normalized = merged.map(ScriptTranslator.normalize)
        let (before, after) = try ScriptTranslator.split(normalized)
        try checkScript(before: before, after: after)
        let after1 = try translateApplicationInstructions(after)
            .map(ScriptTranslator.addModuleToLoadModule)
        let (before2, after2) = try translateDependentInstructions(before: before, after: after1)
        let before3 = try ScriptTranslator.mergeLoadObjectCode(before2)
        let (before4, after4) = sortEmulatorRestart(before: before3, after: after2)
        let script = before4 + [.atom("point_of_no_return")] + after4
        try ScriptTranslator.checkSyntax(script)
        return script
    }

    // MARK: merging and splitting

    private func mergeScripts(_ scripts: [[Term]]) throws(RelupError) -> [Term] {
        var before: [Term] = [], after: [Term] = []
        for s in scripts {
            let (b, a) = try ScriptTranslator.split(s)
            before += b
            after += a
        }
        return before + [.atom("point_of_no_return")] + after
    }

    /// Splits at the only `point_of_no_return`; before it only
    /// `load_object_code` and `apply` may stand, and `load_object_code` found
    /// after it moves before it.
    static func split(_ script: [Term]) throws(RelupError) -> (before: [Term], after: [Term]) {
        var before: [Term] = [], after: [Term] = script
        if let i = script.firstIndex(of: .atom("point_of_no_return")) {
            if script[(i + 1)...].contains(.atom("point_of_no_return")) {
                throw RelupError("too_many_point_of_no_return", message: "more than one point_of_no_return in one script")
            }
            before = Array(script[..<i])
            after = Array(script[(i + 1)...])
        }
        for instruction in before where instruction.tag != "load_object_code" && instruction.tag != "apply"
            || instruction.arity != 2 {
            throw RelupError("bad_op_before_point_of_no_return", instruction,
                             message: "\(instruction) may not stand before point_of_no_return (only load_object_code and apply may)")
        }
        let isLoad: (Term) -> Bool = { $0.tag == "load_object_code" && $0.arity == 2 }
        return (before + after.filter(isLoad), after.filter { !isLoad($0) })
    }

    // MARK: checks on what the user wrote

    private func checkScript(before: [Term], after: [Term]) throws(RelupError) {
        // Every low-level load needs its object code loaded before the point of no return.
        for i in after where i.tag == "load" && i.arity == 2 {
            guard case .tuple(let spec) = i.at(1), spec.count == 3 else { continue }
            let mod = spec[0]
            let found = before.contains { b in
                b.tag == "load_object_code" && (b.at(1).at(2).erlangList ?? []).contains(mod)
            }
            guard found else {
                throw RelupError("no_object_code", mod, message: "no load_object_code before point_of_no_return for module \(mod)")
            }
        }
        func flattened(_ tag: String) -> [Term] {
            after.filter { $0.tag == tag && $0.arity == 2 }.flatMap { ScriptTranslator.flatten($0.at(1)) }
        }
        let suspended = flattened("suspend").map { t -> Term in
            if case .tuple(let e) = t, e.count == 2 { return e[0] }
            return t
        }
        let resumed = flattened("resume")
        // OTP 25 means to check that code_change only touches suspended modules but
        // its pattern never matches; Relive checks it (see docs/releases.md).
        let codeChanged = after.filter { $0.tag == "code_change" }.flatMap { i -> [Term] in
            let mods = i.arity == 3 ? i.at(2) : i.at(1)
            return (mods.erlangList ?? []).compactMap { m in
                if case .tuple(let e) = m, e.count == 2 { return e[0] }
                return nil
            }
        }
        let notResumed = ScriptTranslator.difference(suspended, resumed)
        if !notResumed.isEmpty {
            throw RelupError("suspended_not_resumed", .list(notResumed), message: "suspended but not resumed: \(Term.list(notResumed))")
        }
        let notSuspended = ScriptTranslator.difference(resumed, suspended)
        if !notSuspended.isEmpty {
            throw RelupError("resumed_not_suspended", .list(notSuspended), message: "resumed but not suspended: \(Term.list(notSuspended))")
        }
        let changedNotSuspended = ScriptTranslator.difference(codeChanged, suspended)
        if !changedNotSuspended.isEmpty {
            throw RelupError("code_change_not_suspended", .list(changedNotSuspended),
                             message: "code changed but not suspended: \(Term.list(changedNotSuspended))")
        }
        let started = flattened("start"), stopped = flattened("stop")
        let notStopped = ScriptTranslator.difference(started, stopped)
        if !notStopped.isEmpty {
            throw RelupError("start_not_stop", .list(notStopped), message: "started but not stopped: \(Term.list(notStopped))")
        }
        let notStarted = ScriptTranslator.difference(stopped, started)
        if !notStarted.isEmpty {
            throw RelupError("stop_not_start", .list(notStarted), message: "stopped but not started: \(Term.list(notStarted))")
        }
    }

    // MARK: applications

    private func find(_ app: Term, in list: [ResolvedApplication]) -> ResolvedApplication? {
        guard case .atom(let a) = app else { return nil }
        return list.first { $0.name == a }
    }

    private static func startApply(_ app: Term, _ type: Term) -> [Term] {
        if type.isAtom("none") { return [] }
        if type.isAtom("load") { return [.tuple([.atom("apply"), .tuple([.atom("application"), .atom("load"), .list([app])])])] }
        return [.tuple([.atom("apply"), .tuple([.atom("application"), .atom("start"), .list([app, type])])])]
    }

    private static func removeModules(_ mods: [Atom]) -> [Term] {
        mods.map { .tuple([.atom("remove"), .tuple([.atom($0), .atom("brutal_purge"), .atom("brutal_purge")])]) }
            + [.tuple([.atom("purge"), .atoms(mods)])]
    }

    private func translateApplicationInstructions(_ script: [Term]) throws(RelupError) -> [Term] {
        var out: [Term] = []
        for i in script {
            switch (i.tag, i.arity) {
            case ("add_application", 3):
                let app = i.at(1)
                guard let a = find(app, in: appls) else {
                    throw RelupError("no_such_application", app, message: "add_application of \(app), which the new release does not hold")
                }
                out += a.modules.map { .tuple([.atom("add_module"), .atom($0), .list([])]) }
                out += ScriptTranslator.startApply(app, i.at(2))
            case ("remove_application", 2):
                let app = i.at(1)
                if find(app, in: appls) != nil {
                    throw RelupError("removed_application_present", app, message: "remove_application of \(app), which the new release still holds")
                }
                guard let a = find(app, in: preAppls) else {
                    throw RelupError("no_such_application", app, message: "remove_application of \(app), which the old release does not hold")
                }
                out.append(.tuple([.atom("apply"), .tuple([.atom("application"), .atom("stop"), .list([app])])]))
                out += ScriptTranslator.removeModules(a.modules)
                out.append(.tuple([.atom("apply"), .tuple([.atom("application"), .atom("unload"), .list([app])])]))
            case ("restart_application", 2):
                let app = i.at(1)
                guard let pre = find(app, in: preAppls), let post = find(app, in: appls) else {
                    throw RelupError("no_such_application", app, message: "restart_application of \(app), which is not in both releases")
                }
                out.append(.tuple([.atom("apply"), .tuple([.atom("application"), .atom("stop"), .list([app])])]))
                out += ScriptTranslator.removeModules(pre.modules)
                out += post.modules.map { .tuple([.atom("add_module"), .atom($0), .list([])]) }
                out += ScriptTranslator.startApply(app, .atom(Atom(post.type.rawValue)))
            default:
                out.append(i)
            }
        }
        return out
    }

    private static func addModuleToLoadModule(_ i: Term) -> Term {
        guard i.tag == "add_module", i.arity == 3 else { return i }
        return .tuple([.atom("load_module"), i.at(1), .atom("brutal_purge"), .atom("brutal_purge"), i.at(2)])
    }

    // MARK: object code and emulator restarts

    /// One `load_object_code` per application (at the place of its first),
    /// modules united as systools unites them; two versions of one application
    /// are `conflicting_versions`.
    static func mergeLoadObjectCode(_ before: [Term]) throws(RelupError) -> [Term] {
        let isLoad: (Term) -> Bool = { $0.tag == "load_object_code" }
        var found = before.filter(isLoad)
        let rest = before.filter { !isLoad($0) }
        var merged: [Term] = []
        while let first = found.first {
            found.removeFirst()
            let lib = first.at(1).at(0), libVsn = first.at(1).at(1)
            var same: [Term] = [], other: [Term] = []
            // systools tests from the end of the list, so the last conflict is reported.
            for t in found.reversed() {
                let lib2 = t.at(1).at(0), vsn2 = t.at(1).at(1)
                if lib2 == lib && vsn2 == libVsn {
                    same.insert(t, at: 0)
                } else if lib2 == lib {
                    throw RelupError("conflicting_versions", lib, libVsn, vsn2,
                                     message: "object code of \(lib) is loaded in two versions, \(libVsn) and \(vsn2)")
                } else {
                    other.insert(t, at: 0)
                }
            }
            var mods: [Term] = []
            for t in ([first] + same).reversed() {
                mods = union(t.at(1).at(2).erlangList ?? [], mods)
            }
            merged.append(.tuple([.atom("load_object_code"), .tuple([lib, libVsn, .list(mods)])]))
            found = other
        }
        return merged + rest
    }

    private func sortEmulatorRestart(before: [Term], after: [Term]) -> ([Term], [Term]) {
        let newEmulator = Term.atom("restart_new_emulator"), restart = Term.atom("restart_emulator")
        var b = before, a = after
        if a.contains(newEmulator) {
            a.removeAll { $0 == newEmulator }
            if mode == .up { b.insert(newEmulator, at: 0) } else { a.append(restart) }
        }
        if a.contains(restart) {
            a.removeAll { $0 == restart }
            a.append(restart)
        }
        return (b, a)
    }

    // MARK: list helpers with Erlang's semantics

    /// `lists:flatten/1` of one term: nested lists spliced, other terms kept.
    static func flatten(_ t: Term) -> [Term] {
        guard let e = t.erlangList else { return [t] }
        return e.flatMap { $0.erlangList != nil ? flatten($0) : [$0] }
    }

    /// Elements of `a` not in `b`, in `a`'s order, duplicates kept.
    static func difference(_ a: [Term], _ b: [Term]) -> [Term] {
        a.filter { !b.contains($0) }
    }

    /// systools' union: elements of `a` not in `b`, then `b`.
    static func union(_ a: [Term], _ b: [Term]) -> [Term] {
        a.filter { !b.contains($0) } + b
    }
}
