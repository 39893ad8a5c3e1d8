import ReliveKit

extension RelupCompiler {
    /// The high-level scripts of one release change, before translation
    /// (systools_relup: collect_appup_scripts, prepend_add_app_scripts,
    /// append_remove_app_scripts, check_for_emulator_restart).
    func scriptsFor(_ mode: ScriptMode, top: Input, topApps: [ResolvedApplication], base: Input,
                    warnings: inout [RelupWarning]) throws(RelupError) -> [[Term]] {
        var scripts: [[Term]] = []
        for app in topApps {
            guard let baseEntry = base.release.application(app.name), baseEntry.vsn != app.vsn else { continue }
            let appup = try loadAppup(app)
            if appup.vsn != app.vsn {
                warnings.append(RelupWarning(name: "bad_vsn", term: .tuple([.atom("bad_vsn"), .tuple([.string(appup.vsn), .string(app.vsn)])]),
                                             message: "\(app.name.name).appup is for version \(appup.vsn) but the application is \(app.vsn)"))
            }
            let entries = mode == .up ? appup.up : appup.down
            guard let script = Appup.search(baseEntry.vsn, in: entries) else {
                let file = app.source.appupFile ?? "\(app.name.name).appup"
                throw RelupError("no_relup", .string(file), .atom(app.name), .string(baseEntry.vsn),
                                 message: "no \(mode == .up ? "upgrade from" : "downgrade to") \(app.name.name)-\(baseEntry.vsn) in \(file) (version \(app.vsn))")
            }
            try checkCoverage(app: app, baseVsn: baseEntry.vsn, mode: mode, script: script, warnings: &warnings)
            scripts.append(script)
        }
        // Up: the new release is `top`; down: it is `base`.
        let (from, to) = mode == .up ? (base.release, top.release) : (top.release, base.release)
        let added: [[Term]] = to.applications.filter { from.application($0.name) == nil }.map {
            [.tuple([.atom("add_application"), .atom($0.name), .atom(Atom($0.startType.rawValue))])]
        }
        let removed: [[Term]] = from.applications.filter { to.application($0.name) == nil }.map {
            [.tuple([.atom("remove_application"), .atom($0.name)])]
        }
        scripts = added + scripts + removed
        if top.release.runtimeVsn != base.release.runtimeVsn {
            scripts.insert([.atom("restart_new_emulator")], at: 0)
            warnings.append(RelupWarning(
                name: "erts_vsn_changed",
                term: .tuple([.atom("erts_vsn_changed"),
                              .tuple([.tuple([.string(top.release.name), .string(top.release.runtimeVsn)]),
                                      .tuple([.string(base.release.name), .string(base.release.runtimeVsn)])])]),
                message: "the runtime version changed between \(top.release.name) \(top.release.runtimeVsn) and \(base.release.name) \(base.release.runtimeVsn)"))
        }
        if options.restartEmulator { scripts.append([.atom("restart_emulator")]) }
        return scripts
    }

    private func loadAppup(_ app: ResolvedApplication) throws(RelupError) -> Appup {
        if let appup = app.source.appup { return appup }
        guard let path = app.source.appupFile else {
            throw RelupError("file_problem", .tuple([.string("\(app.name.name).appup"), .atom("open")]),
                             message: "no \(app.name.name).appup next to \(app.source.file)")
        }
        do {
            return try Appup.read(path: path)
        } catch {
            throw RelupError("file_problem", .tuple([.string(path), .atom("parse")]), message: "\(error)")
        }
    }

    /// Relive's addition: a module in both versions of a changed application
    /// that the application's script never names. OTP says nothing here.
    private func checkCoverage(app: ResolvedApplication, baseVsn: String, mode: ScriptMode, script: [Term],
                               warnings: inout [RelupWarning]) throws(RelupError) {
        guard let old = catalog.lookup(app.name, vsn: baseVsn) else { return }
        var covered = Set<Term>()
        for i in ScriptTranslator.expand(script) {
            switch i.tag {
            case "update", "load_module", "add_module", "delete_module":
                covered.insert(i.at(1))
            case "load", "remove":
                covered.insert(i.at(1).at(0))
            case "restart_application", "remove_application", "add_application":
                if i.at(1) == .atom(app.name) { return }
            default: break
            }
            if i.isAtom("restart_new_emulator") || i.isAtom("restart_emulator") { return }
        }
        for m in app.modules where old.spec.modules.contains(m) && !covered.contains(.atom(m)) {
            let direction = mode == .up ? "upgrade from" : "downgrade to"
            let w = RelupWarning(name: "uncovered_module",
                                 term: .tuple([.atom("uncovered_module"), .tuple([.atom(app.name), .atom(m), .string(baseVsn)])]),
                                 message: "\(app.name.name) changes version but its appup's \(direction) \(baseVsn) does not load module \(m.name)")
            if options.strict {
                throw RelupError(name: "uncovered_module", reason: w.term, message: w.message)
            }
            warnings.append(w)
        }
    }
}
